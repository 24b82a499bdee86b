/**
 * The store configuration file (docs/store-config.md): currency, tax regime and rates,
 * promotions. Shape checked with zod here; the domain checks the rest
 * (store-settings.validation.ts). Every problem is returned with its path.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Catalog } from "../../domain/catalog/product";
import type { StoreSettings } from "../../domain/store/store-settings";
import {
  checkStoreAgainstCatalog,
  type StoreIssue,
  validateStoreSettings,
} from "../../domain/store/store-settings.validation";
import { formatPath } from "./catalog-file";

const str = (what = "a string") =>
  z.string({ invalid_type_error: `expected ${what}`, required_error: "required" });

const taxRateSchema = z
  .object(
    {
      rateBps: z
        .number({ invalid_type_error: "expected basis points (825 = 8.25%)", required_error: "required" })
        .int("expected an integer number of basis points")
        .min(0, "expected basis points from 0 to 10000")
        .max(10_000, "expected basis points from 0 to 10000"),
      label: str().max(60, "expected at most 60 characters").optional(),
      mark: str().max(3, "expected at most 3 characters").optional(),
    },
    { invalid_type_error: "expected an object {rateBps, label?, mark?}" },
  )
  .strict();

const storeSchema = z
  .object(
    {
      name: str().max(100, "expected at most 100 characters").optional(),
      description: str().optional(),
      currency: str("an ISO 4217 code").regex(/^[A-Z]{3}$/, "expected an ISO 4217 code like USD"),
      tax: z
        .object(
          {
            mode: z.enum(["exclusive", "inclusive"], {
              errorMap: () => ({ message: 'expected "exclusive" (sales tax) or "inclusive" (VAT, GST)' }),
            }),
            name: str().min(1, "expected a name like VAT"),
            classes: z.record(taxRateSchema, { invalid_type_error: "expected an object taxClass → rate" }),
            fallbackClass: str().optional(),
          },
          {
            invalid_type_error: "expected an object {mode, name, classes, fallbackClass?}",
            required_error: "required",
          },
        )
        .strict(),
      promotions: z
        .array(
          z
            .object(
              {
                code: str(),
                id: str()
                  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "expected letters, digits, '.', '_' or '-'")
                  .optional(),
                label: str().max(80, "expected at most 80 characters").optional(),
                args: z.record(z.unknown(), {
                  invalid_type_error: "expected an object",
                  required_error: "required",
                }),
              },
              { invalid_type_error: "expected a promotion {code, args, id?, label?}" },
            )
            .strict(),
          { invalid_type_error: "expected an array of promotions" },
        )
        .default([]),
    },
    { invalid_type_error: "expected a JSON object" },
  )
  .strict();

export type StoreConfigResult = { ok: true; settings: StoreSettings } | { ok: false; issues: StoreIssue[] };

export function parseStoreConfig(data: unknown, catalog?: Catalog): StoreConfigResult {
  const parsed = storeSchema.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    };
  }
  const { description: _d, ...rest } = parsed.data;
  const settings: StoreSettings = rest;
  const issues = validateStoreSettings(settings);
  if (catalog && issues.length === 0) issues.push(...checkStoreAgainstCatalog(settings, catalog));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, settings };
}

export function readStoreConfigFile(path: string, catalog?: Catalog): StoreConfigResult {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return {
      ok: false,
      issues: [{ path: "(file)", message: `cannot read ${path}: ${(err as Error).message}` }],
    };
  }
  return parseStoreConfig(data, catalog);
}

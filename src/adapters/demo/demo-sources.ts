/**
 * Readers for the two real product sources the demo catalog is built from, checked with zod
 * (these are files from outside the product).
 * - aim3s/product_info.json: 81 products of a 7-Eleven replica, each unit weighed (grams).
 * - intel-rtsf/all-products.json: 23 products with a barcode and a min/max weight (kg).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const aim3sSchema = z.object({
  products: z.array(
    z
      .object({
        id: z.number().int(),
        name: z.string(),
        barcode: z.string(),
        training_name: z.string().optional(),
        weights: z.array(z.number()),
      })
      .passthrough(),
  ),
});
export type Aim3sProduct = z.infer<typeof aim3sSchema>["products"][number];

const intelSchema = z.array(
  z
    .object({
      barcode: z.string(),
      name: z.string(),
      min_weight: z.number(),
      max_weight: z.number(),
    })
    .passthrough(),
);
export type IntelProduct = z.infer<typeof intelSchema>[number];

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(
      `cannot read ${path}: ${(err as Error).message} (set SKIPLANE_DATA_DIR to the data folder)`,
    );
  }
}

export function readAim3s(dataDir: string): Aim3sProduct[] {
  const path = join(dataDir, "aim3s", "product_info.json");
  return aim3sSchema.parse(readJson(path)).products;
}

export function readIntelRtsf(dataDir: string): IntelProduct[] {
  const path = join(dataDir, "intel-rtsf", "all-products.json");
  return intelSchema.parse(readJson(path));
}

/**
 * RFC 7807 problem documents, and the ONE table mapping error codes to HTTP statuses.
 * DomainError codes come from the domain and app layers; the API adds its own (UNAUTHORIZED …).
 * A code not in the table is a 500: an unknown invariant broke, and the response says nothing
 * more than "internal error" (details go to the log).
 */
import { DomainError } from "../../domain/shared/errors";

export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // API edge
  VALIDATION: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  // a cart screen's receipt link past its expiry (tokens.ts): it opened that receipt once
  RECEIPT_LINK_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  NOT_READY: 503,
  // cluster mode: no process holds the store's lease right now, or its owner cannot be reached
  STORE_UNAVAILABLE: 503,
  // application
  CONCURRENCY: 409,
  CART_EXISTS: 409,
  // revoking the chain's last active head-office admin key (storage-api-backend.ts)
  LAST_HEAD_OFFICE_ADMIN_KEY: 409,
  UNKNOWN_CART: 404,
  UNKNOWN_API_KEY: 404,
  UNKNOWN_SESSION: 404,
  UNKNOWN_CASE: 404,
  UNKNOWN_LINE: 404,
  UNKNOWN_STORE: 404,
  CASE_CLOSED: 409,
  ALREADY_DISPUTED: 409,
  INVALID_DECISION: 422,
  CURRENCY_MISMATCH: 500,
  // domain
  ILLEGAL_TRANSITION: 409,
  INVALID_AMOUNT: 422,
  INVALID_QUANTITY: 422,
  INVALID_PROMOTION: 422,
  UNKNOWN_SKU: 422,
  UNKNOWN_TAX_CLASS: 422,
  NO_PRICE: 422,
  BASKET_TOO_LARGE: 422,
};

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  410: "Gone",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unprocessable entity",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  /** validation problems, one per field */
  errors?: { path: string; message: string }[];
}

export function statusOf(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export function problem(code: string, detail?: string, extra: Partial<Problem> = {}): Problem {
  const status = statusOf(code);
  return {
    type: `https://skiplane.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[status] ?? "Error",
    status,
    code,
    ...(detail !== undefined ? { detail } : {}),
    ...extra,
  };
}

/** An API-level error carrying a code of the table (thrown inside route handlers). */
export class ApiError extends DomainError {}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

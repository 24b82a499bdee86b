/**
 * A walk-out store of one plate holding water, for tests that fill it with many shoppers' visits
 * (the walk-out view's exact counts, over the API and on the dashboard).
 */
export const ONE_PLATE_STORE = "st-w";
export const ONE_PLATE_CATALOG = {
  currency: "USD",
  products: [
    { sku: "water-500", name: "Water 500 ml", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } },
  ],
};
export const ONE_PLATE_LAYOUT = {
  plates: [{ gondola: 1, shelf: 1, plate: 1, x: 0.2, y: 0.25, z: 1.2, skus: ["water-500"] }],
};

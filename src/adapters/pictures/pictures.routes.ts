/**
 * `GET /pictures/{store}/{sku}.svg`: the product's picture for the cart screen, the review
 * console and the receipt. Public (an <img> cannot send an API key, and a product picture is no
 * secret). A catalog `image` URL (http/https only) wins with a redirect; otherwise the generated
 * stand-in. The SVG is served with a CSP that forbids scripts, as SVG is active content.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Product } from "../../domain/catalog/product";
import { renderProductPicture } from "./product-picture";

export interface PicturesOptions {
  /** the product of a store, or undefined when the store or the sku is unknown */
  lookup: (store: string, sku: string) => Product | undefined | Promise<Product | undefined>;
}

const ID = /^[A-Za-z0-9._~-]{1,128}$/;

export const picturesRoutes: FastifyPluginAsync<PicturesOptions> = async (app, opts) => {
  app.get<{ Params: { store: string; file: string } }>("/pictures/:store/:file", async (req, reply) => {
    const { store, file } = req.params;
    const sku = file.endsWith(".svg") ? file.slice(0, -4) : file;
    if (!ID.test(store) || !ID.test(sku)) {
      return reply.code(400).type("application/problem+json").send({
        type: "about:blank",
        title: "Bad picture name",
        status: 400,
        detail: "expected /pictures/{store}/{sku}.svg",
      });
    }
    const product = await opts.lookup(store, sku);
    if (!product) {
      return reply
        .code(404)
        .type("application/problem+json")
        .send({
          type: "about:blank",
          title: "Unknown product",
          status: 404,
          detail: `no product ${sku} in store ${store}`,
        });
    }
    if (product.image && /^https?:\/\//i.test(product.image)) {
      return reply.redirect(product.image, 302);
    }
    return reply
      .header("content-type", "image/svg+xml; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
      .header("x-content-type-options", "nosniff")
      .send(renderProductPicture(product));
  });
};

/** The product's picture: the server's generated stand-in, or the catalog image it redirects to. */
export function pictureUrl(store: string, sku: string): string {
  return `/pictures/${encodeURIComponent(store)}/${encodeURIComponent(sku)}.svg`;
}

export function ProductPicture(props: {
  store: string;
  sku: string;
  name?: string;
  size?: "small" | "large";
}) {
  return (
    <img
      className={`picture${props.size ? ` ${props.size}` : ""}`}
      src={pictureUrl(props.store, props.sku)}
      alt={props.name ?? ""}
      loading="lazy"
      width={64}
      height={64}
    />
  );
}

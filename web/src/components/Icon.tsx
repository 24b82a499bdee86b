/**
 * A few inline SVG icons. Emoji are not used: a cart's display (or a headless test browser) may
 * have no colour-emoji font, and they would show as empty boxes. Decorative: aria-hidden.
 */
const PATHS: Record<string, string> = {
  cart: "M3 4h3l2.4 10.2a1 1 0 0 0 1 .8h8.7a1 1 0 0 0 1-.8L21 7H7 M10 19.5a1.5 1.5 0 1 0 0 .01 M18 19.5a1.5 1.5 0 1 0 0 .01",
  produce:
    "M12 7c-1-3-4-4-6-3 2 0 4 1 5 3 M12 7c-4-2-8 0-8 5 0 5 3 9 6 9 1 0 1.5-.5 2-.5s1 .5 2 .5c3 0 6-4 6-9 0-5-4-7-8-5z",
  hourglass: "M6 3h12 M6 21h12 M7 3c0 5 10 6 10 9s-10 4-10 9 M17 3c0 5-10 6-10 9s10 4 10 9",
  scale: "M4 20h16 M6 20l2-11h8l2 11 M12 9V5 M8 5h8",
  barcode: "M4 5v14 M7 5v14 M9 5v14 M12 5v14 M15 5v14 M17 5v14 M20 5v14",
  check: "M4 12.5l5 5L20 6.5",
  alert: "M12 3l10 18H2z M12 10v5 M12 18v.5",
};

export function Icon(props: { name: keyof typeof PATHS | string; size?: number; className?: string }) {
  const s = props.size ?? 24;
  return (
    <svg
      className={props.className}
      width={s}
      height={s}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[props.name] ?? ""} />
    </svg>
  );
}

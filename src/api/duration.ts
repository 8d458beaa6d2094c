// metricsWindow durations: whole hours or days, from 1h to 30d ("1h", "24h", "7d", "30d").

export const MIN_WINDOW_SECONDS = 3600;
export const MAX_WINDOW_SECONDS = 30 * 86400;

/**
 * The same range as a regular expression, so the CRD's schema (which cannot compare durations)
 * accepts exactly what parseWindow accepts: 1h..720h or 1d..30d.
 */
export const WINDOW_PATTERN = "^(([1-9]|[1-9][0-9]|[1-6][0-9]{2}|7[01][0-9]|720)h|([1-9]|[12][0-9]|30)d)$";
const WINDOW = new RegExp(WINDOW_PATTERN);

/** Seconds in a metricsWindow, or undefined when it is not a valid window. */
export function parseWindow(window: string): number | undefined {
  if (typeof window !== "string" || !WINDOW.test(window)) return undefined;
  const n = Number(window.slice(0, -1));
  return window.endsWith("d") ? n * 86400 : n * 3600;
}

/** Durations as the settings spell them: "90s", "30m", "10h", "2d". */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d{1,6})(s|m|h|d)$/;

export function isDuration(text: string): boolean {
  return PATTERN.test(text);
}

export function durationMs(text: string): number {
  const match = PATTERN.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a duration like "90s", "30m", "10h" or "2d"`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

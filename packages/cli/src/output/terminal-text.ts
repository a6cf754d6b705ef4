/**
 * Characters a terminal acts on rather than shows: C0 controls but tab and newline (ESC starts
 * CSI and OSC sequences, CR rewrites a line), DEL, C1 controls (U+009B is an 8-bit CSI, U+009D
 * an OSC), and the bidirectional overrides and isolates that reorder what is shown.
 */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a task, a schedule or an error made safe to write to a terminal: every character
 * that a terminal would act on (see above) is written out as its escape, `\x1b` for ESC,
 * `\x9b` for the 8-bit CSI, `\u202e` for a right-to-left override, so that a log line cannot
 * move the cursor, clear the screen, retitle the window or write to the clipboard (OSC 52).
 * Tab, newline and all printable text, any script or emoji, pass unchanged. JSON output does
 * not go through this: it stays exactly what was stored.
 *
 * @param text - text to show
 * @returns the text with its control characters visible
 * @example
 * ```ts
 * terminalSafe('done\x1b]52;c;ZXZpbA==\x07'); // 'done\\x1b]52;c;ZXZpbA==\\x07'
 * ```
 */
export function terminalSafe(text: string): string {
  return text.replace(ACTIVE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Numbers and addresses as the dialogs and panels show them. */

const WEI_PER_ETH = 10n ** 18n;

/** Wei (bigint, decimal or 0x string) as ETH with up to `digits` decimals, trailing zeros cut. */
export function formatEth(wei: bigint | string, digits = 6): string {
  const value = typeof wei === "bigint" ? wei : BigInt(wei);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / WEI_PER_ETH;
  const fraction = (abs % WEI_PER_ETH).toString().padStart(18, "0").slice(0, digits).replace(/0+$/, "");
  const text = fraction ? `${whole}.${fraction}` : whole.toString();
  return `${negative ? "-" : ""}${text} ETH`;
}

/** `0x1234…abcd`. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** A hex quantity (`0x1a`) as a bigint; undefined when absent, an error when not a quantity. */
export function quantity(value: unknown): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]+$/.test(value)) throw new Error(`not a hex quantity: ${String(value)}`);
  return BigInt(value);
}

/** personal_sign's data: the text when it is printable UTF-8, else the hex. */
export function signedText(dataHex: string): string {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(dataHex)) return dataHex;
  const bytes = new Uint8Array((dataHex.length - 2) / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(dataHex.slice(2 + 2 * i, 4 + 2 * i), 16);
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return /[\u0000-\u0008\u000e-\u001f]/.test(text) ? dataHex : text;
  } catch {
    return dataHex;
  }
}

/** JSON for a log line, cut at `max` characters. */
export function brief(value: unknown, max = 160): string {
  const text = value === undefined ? "" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * How many bytes at the end of `bytes` begin a UTF-8 character that is not complete yet (0 to 3).
 * Bytes that are not UTF-8 at all are never held back: only a valid lead byte followed by
 * fewer continuation bytes than it announces counts.
 */
export function incompleteUtf8TailLength(bytes: Uint8Array): number {
  const end = bytes.length;
  // Fast path for the common case: the chunk ends in ASCII.
  if (end === 0 || bytes[end - 1]! < 0x80) return 0;
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 ? 2 : 1;
    const have = end - i;
    return byte < 0xf5 && have < length ? have : 0;
  }
  return 0;
}

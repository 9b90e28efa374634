import type { crc64 as Crc64 } from 'crc64-ecma182.js';

const SLICE_BYTES = 2 ** 20;

/**
 * CRC-64/ECMA-182 of `bytes` continued from `previous`, as OSS writes it (a decimal string). crc64-ecma182.js
 * copies its input into a fixed 16 MiB asm.js heap and aborts the process when a buffer does not fit, so it is
 * fed slices. The caller hands in `crc64`, so it decides when that heap is set up (appendStream loads the module
 * on first use). Stateless: every entry may carry its own copy.
 */
export function crc64InSlices(crc64: typeof Crc64, bytes: Buffer, previous = '0'): string {
  let crc = previous;
  for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) crc = crc64(bytes.subarray(offset, offset + SLICE_BYTES), crc);
  return crc;
}

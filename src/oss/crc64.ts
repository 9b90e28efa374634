import type { crc64 as packageCrc64 } from 'crc64-ecma182.js';

const SLICE_BYTES = 2 ** 20;

/** The CRC-64 of no bytes, as OSS writes it. */
export const EMPTY_CRC64 = '0';

/** CRC-64/ECMA-182 of `bytes` continued from `previous`, as OSS writes it: a decimal string. */
export type Crc64 = (bytes: Buffer, previous: string) => string;

/**
 * CRC-64/ECMA-182 of `bytes` continued from `previous`, as OSS writes it (a decimal string). crc64-ecma182.js
 * copies its input into a fixed 16 MiB asm.js heap and aborts the process when a buffer does not fit, so it is
 * fed slices. The caller hands in `crc64`, so it decides when that heap is set up (loadCrc64 sets it up on first use).
 */
export function crc64InSlices(crc64: typeof packageCrc64, bytes: Buffer, previous = '0'): string {
  let crc = previous;
  for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) crc = crc64(bytes.subarray(offset, offset + SLICE_BYTES), crc);
  return crc;
}

let loadingCrc64: Promise<Crc64> | undefined;

/** Loaded on first use: the module sets up a 16 MiB heap that users of putStream alone need not pay for. */
export function loadCrc64(): Promise<Crc64> {
  loadingCrc64 ??= import('crc64-ecma182.js').then(
    ({ crc64 }) =>
      (bytes: Buffer, previous: string): string =>
        crc64InSlices(crc64, bytes, previous),
  );
  return loadingCrc64;
}

/* OSS's own limits, each under one name (src/internal/: see its README.md). */

/** OSS's limit for one object, written by PutObject or grown by appends: 5 GiB. */
export const MAX_APPENDABLE_OBJECT_BYTES = 5 * 2 ** 30;

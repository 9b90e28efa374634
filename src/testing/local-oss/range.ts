/** The bytes `start` to `end` of an object, both included, as Range and Content-Range count them. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A part (206), the whole object (200) or nothing (416). */
export type RangeChoice = ByteRange | 'whole' | 'unsatisfiable';

/**
 * What GetObject serves for a Range header: a part (206), the whole object (200, the header ignored) or
 * nothing (416 InvalidRange). `standard` is the request header `x-oss-range-behavior: standard`.
 *
 * For a 1000-byte object (valid bytes 0-999), OSS documents:
 *
 * | Range header                                    | default           | x-oss-range-behavior: standard  |
 * |-------------------------------------------------|-------------------|---------------------------------|
 * | bytes=0-499, bytes=500-999                      | 206, those bytes  | 206, those bytes                |
 * | bytes=500-                                      | 206, 500-999      | 206, 500-999                    |
 * | bytes=-500                                      | 206, 500-999      | 206, 500-999                    |
 * | bytes=0-1000, bytes=500-2000 (end past the end) | 200, whole object | 206, clipped: 500-999           |
 * | bytes=1000-2000, bytes=1000- (start past it)    | 200, whole object | 416 InvalidRange                |
 * | bytes=-2000 (suffix longer than the object)     | 200, whole object | not documented; here 206, 0-999 |
 * | byte=0-499 (malformed)                          | 200, whole object | not documented; here 200        |
 * | bytes=0-499,500-999 (several ranges)            | 206, first only   | not documented; here the same   |
 *
 * Sources: "Use HTTP Range requests to get OSS resources in segments",
 * https://www.alibabacloud.com/help/en/oss/how-to-obtain-oss-resources-by-segmenting-http-range-requests
 * (and its Chinese original https://help.aliyun.com/document_detail/39571.htm, section 兼容行为); the
 * standard column's rows for an end or a start past the end also in
 * https://help.aliyun.com/en/oss/developer-reference/scope-download-using-oss-sdk-for-php-v2.
 * Where OSS documents nothing, RFC 9110 section 14 decides: a suffix longer than the object is the whole
 * object, a range whose last byte comes before its first is malformed, and `bytes=-0` or any range of an
 * empty object selects no byte (416 with the header, 200 without).
 */
export function selectRange(header: string | undefined, size: number, standard: boolean): RangeChoice {
  const spec = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.split(',')[0]!.trim());
  if (!spec || (spec[1] === '' && spec[2] === '')) return 'whole';
  // Past the object: OSS ignores the Range by default, and answers as RFC 9110 does with the header.
  const outside = (standardAnswer: RangeChoice): RangeChoice => (standard ? standardAnswer : 'whole');

  if (spec[1] === '') {
    const suffixLength = Number(spec[2]);
    if (suffixLength === 0 || size === 0) return outside('unsatisfiable');
    return suffixLength > size ? outside({ start: 0, end: size - 1 }) : { start: size - suffixLength, end: size - 1 };
  }
  const start = Number(spec[1]);
  if (spec[2] !== '' && Number(spec[2]) < start) return 'whole';
  if (start >= size) return outside('unsatisfiable');
  const end = spec[2] === '' ? size - 1 : Number(spec[2]);
  return end >= size ? outside({ start, end: size - 1 }) : { start, end };
}

/** The bytes of `range` from an object kept in chunks, as views: nothing is copied. */
export function chunksIn(chunks: readonly Buffer[], range: ByteRange): Buffer[] {
  const views: Buffer[] = [];
  let chunkStart = 0;
  for (const chunk of chunks) {
    const from = Math.max(range.start - chunkStart, 0);
    const to = Math.min(range.end + 1 - chunkStart, chunk.length);
    if (from < to) views.push(chunk.subarray(from, to));
    chunkStart += chunk.length;
  }
  return views;
}

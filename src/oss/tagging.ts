import type OSS from 'ali-oss';

/** ali-oss 6's object tagging calls, which @types/ali-oss does not declare. */
export interface TaggingCalls {
  getObjectTagging(name: string, options: { timeout: number }): Promise<{ res: OSS.NormalSuccessResponse; tag: Record<string, string> }>;
  putObjectTagging(name: string, tag: Record<string, string>, options: { timeout: number }): Promise<{ res: OSS.NormalSuccessResponse }>;
}

/** `client` with its tagging calls typed. */
export function tagging(client: OSS): OSS & TaggingCalls {
  return client as OSS & TaggingCalls;
}

// Recording the raw responses (status and headers) an ali-oss client receives.
import type OSS from 'ali-oss';

/** A response as urllib handed it to ali-oss: ali-oss's errors drop the headers, which some tests read. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
}

/** Records every response `client` receives, errors included, in order. */
export function recordResponses(client: OSS): RawResponse[] {
  type Urllib = { request(...args: unknown[]): Promise<RawResponse> };
  const responses: RawResponse[] = [];
  const holder = client as unknown as { urllib: Urllib };
  const { urllib } = holder;
  holder.urllib = {
    request: async (...args) => {
      const result = await urllib.request(...args);
      responses.push({ status: result.status, headers: result.headers });
      return result;
    },
  };
  return responses;
}

// The global fetch/Blob streams (DOM lib or @types/node's globals) are sources too.
import { withHeartbeat } from 'heartbeat-readable';

export async function upload(response: Response): Promise<void> {
  withHeartbeat(response.body!);
  withHeartbeat(new Blob(['log']).stream());
}

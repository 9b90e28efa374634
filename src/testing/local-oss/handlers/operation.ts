import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../reply.js';
import type { Route } from '../route.js';
import type { ObjectStore } from '../store.js';

/** An authenticated request whose body has arrived, and what an operation may change. */
export interface OperationRequest extends Route {
  headers: IncomingHttpHeaders;
  body: Buffer;
  objects: ObjectStore;
  maxObjectBytes: number;
}

/** One OSS operation: applies the request to the store and says what to answer. */
export type Operation = (request: OperationRequest) => Reply;

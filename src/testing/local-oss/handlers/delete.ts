import type { Operation } from './operation.js';

/** DeleteObject: 204 whether or not the key existed, as OSS answers. */
export const deleteObject: Operation = ({ key, objects }) => {
  objects.delete(key);
  return { status: 204, headers: {} };
};

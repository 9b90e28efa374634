import type { OssOperation } from '../route.js';
import { appendObject } from './append.js';
import { deleteObject } from './delete.js';
import { getObject } from './get-head.js';
import type { Operation } from './operation.js';
import { putObject } from './put.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './tagging.js';

export type { OperationRequest } from './operation.js';

export const OPERATION_HANDLERS: Record<OssOperation, Operation> = {
  PutObject: putObject,
  AppendObject: appendObject,
  GetObject: getObject,
  HeadObject: getObject,
  DeleteObject: deleteObject,
  PutObjectTagging: putObjectTagging,
  GetObjectTagging: getObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
};

import type { AdminApiComponents, AdminApiPaths } from '@pushmail/contracts/admin-api';

/**
 * The admin API's shapes as the console uses them, all from the types generated from
 * the admin API's OpenAPI document as operations serves it (apps/operations/openapi.json).
 */
type Schemas = AdminApiComponents['schemas'];
type Ok<
  Path extends keyof AdminApiPaths,
  Method extends 'get' | 'post',
> = AdminApiPaths[Path][Method] extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

export type Account = Schemas['Account'];
export type Device = Schemas['Device'];
export type Finding = Schemas['Finding'];
export type Diagnosis = Schemas['DeviceDiagnosis'];
export type TrailRecord = Schemas['TrailRecord'];
export type SelfTestReport = Schemas['SelfTestReport'];
export type Hop = SelfTestReport['hops'][number];
export type AccessRule = Schemas['AccessRule'];
export type Policy = Schemas['Policy'];
export type QueuePage = Schemas['QueuePage'];
export type QueuedDelivery = Schemas['QueuedDelivery'];
export type LiveCounters = Ok<'/admin/live', 'get'>;

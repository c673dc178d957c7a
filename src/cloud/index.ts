// The cloud connection the steps, the tutor and the notebooks use.
export { CloudConfigError } from './config.ts';
export {
  type CloudFallback,
  type ConnectOptions,
  connect,
  type FallbackCloud,
  type FallbackContext,
} from './connect.ts';
export type { Connection, CreateNodeOptions, FloatingIpPool, Made } from './driver.ts';
export { CloudError } from './errors.ts';
export { type CloudEvent, describeCloudEvent, type ResourceKind } from './events.ts';
export {
  type FloatingIp,
  type Image,
  isBooting,
  type KeyPair,
  type Limits,
  type Node,
  type SecurityGroup,
  type Size,
} from './models.ts';
export { type Check, type Expectation, verify } from './verify.ts';

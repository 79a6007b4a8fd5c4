// Every package's declarations checked with skipLibCheck off (except backend-tfjs, whose
// @tensorflow/tfjs-core declarations do not pass it): the types a user's editor loads.
export type * as Cpu from '@cnn/backend-cpu';
export type * as Reference from '@cnn/backend-reference';
export type * as Browser from '@cnn/browser';
export type * as Conformance from '@cnn/conformance';
export type * as ConformanceVitest from '@cnn/conformance/vitest';
export type * as Core from '@cnn/core';
export type * as Datasets from '@cnn/datasets';
export type * as Models from '@cnn/models';
export type * as Node from '@cnn/node';

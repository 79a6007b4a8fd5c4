// `moduleResolution: node10` (old TypeScript setups) still finds the types of the subpath export
// `@cnn/conformance/vitest` (through typesVersions) and of every package entry.

import type { SuiteReport } from '@cnn/conformance';
import type { DescribeBackendOptions } from '@cnn/conformance/vitest';
import type { Tensor } from '@cnn/core';

export type Checked = [DescribeBackendOptions, SuiteReport, Tensor];

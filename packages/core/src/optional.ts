import { type Backend, optionalKernelNames } from './backend.js';

/**
 * The same backend with every optional kernel hidden, so core composes them all from the required tier:
 * the conformance suite runs this to show that a backend with only the required kernels passes.
 */
export function withoutOptionalKernels<D>(backend: Backend<D>): Backend<D> {
  const hidden = new Set<PropertyKey>(optionalKernelNames);
  const name = `${backend.name} (required kernels only)`;
  return new Proxy(backend, {
    get: (target, key) => {
      if (hidden.has(key)) return undefined;
      if (key === 'name') return name;
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (target, key) => !hidden.has(key) && Reflect.has(target, key),
  });
}

import type { Model } from '@cnn/core';
import { buildModel, checkWeights, parseModelJson } from './format.js';

/** Options of `loadFromUrl`. */
export interface LoadFromUrlOptions {
  /** The fetch to use (default `globalThis.fetch`), e.g. one that adds credentials. */
  fetch?: typeof fetch | undefined;
  /** Passed to both requests (headers, credentials, an abort signal). */
  requestInit?: RequestInit | undefined;
}

/**
 * Loads a model served over HTTP: `url` is its JSON (e.g. `https://example.com/models/lenet/model.json`);
 * the weights file it names is fetched from beside it. Both SHA-256s are checked.
 */
export async function loadFromUrl(url: string | URL, options: LoadFromUrlOptions = {}): Promise<Model> {
  const caller = 'loadFromUrl';
  const get = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (!get) throw new Error(`${caller}: no fetch here; pass options.fetch`);
  let jsonUrl: URL;
  try {
    jsonUrl = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw new Error(`${caller}: ${String(url)} is not a URL`);
  }
  const fetchBytes = async (target: URL, what: string): Promise<Response> => {
    let response: Response;
    try {
      response = await get(target.href, options.requestInit);
    } catch (error) {
      throw new Error(`${caller}: cannot fetch the ${what} ${target.href}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new Error(
        `${caller}: fetching the ${what} ${target.href} gave HTTP ${response.status} ${response.statusText}`.trimEnd(),
      );
    }
    return response;
  };
  const file = await parseModelJson(
    caller,
    jsonUrl.href,
    await (await fetchBytes(jsonUrl, 'model JSON')).text(),
  );
  const weightsUrl = new URL(file.weightsFile, jsonUrl);
  const bytes = new Uint8Array(await (await fetchBytes(weightsUrl, 'weights')).arrayBuffer());
  return buildModel(caller, jsonUrl.href, file, await checkWeights(caller, weightsUrl.href, file, bytes));
}

import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// No test reaches the network: a test that forgets to stub fetch fails loudly.
vi.stubGlobal("fetch", () => Promise.reject(new Error("unexpected fetch: stub it in the test")));

afterEach(() => {
  cleanup();
});

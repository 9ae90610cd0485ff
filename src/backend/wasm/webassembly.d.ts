/**
 * The part of the WebAssembly JS API this project uses. Node has it as a global, but tsconfig's lib is
 * ES2022 without DOM, and @types/node 20 does not declare it.
 */
declare namespace WebAssembly {
  /** A compiled module. */
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
    /** Imports and exports by name and kind. */
    static exports(module: Module): { name: string; kind: string }[];
  }
  /** An instantiated module. */
  class Instance {
    constructor(module: Module, imports?: object);
    readonly exports: Record<string, unknown>;
  }
  /** A linear memory. */
  class Memory {
    readonly buffer: ArrayBuffer;
    /** Grows by `pages` 64 KiB pages; returns the old size in pages. */
    grow(pages: number): number;
  }
  /** A compile error (invalid module bytes). */
  class CompileError extends Error {}
  /** Whether `bytes` is a valid module for this engine. */
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}

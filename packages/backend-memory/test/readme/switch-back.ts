// The README's example: loading the memory backend again, after another backend was loaded.
// #region switch-back
import { MemoryBackend } from '@pytheus/backend-memory';
import { loadBackend } from '@pytheus/core';

loadBackend({ backendClass: MemoryBackend });
// #endregion switch-back

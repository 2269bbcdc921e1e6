// The engine Web Worker: a few lines, by design. All logic lives in src/engine.
import * as Comlink from 'comlink';
import { Engine } from '../src/engine/engine.ts';

Comlink.expose(new Engine());

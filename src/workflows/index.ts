/** Every workflow of this worker; this file is the worker's `workflowsPath`. */
export { enrichObservable } from './enrich-observable';

import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { KubeObject } from './kustomize.js';

/**
 * Models generated from the Kubernetes 1.33 OpenAPI schemas (kubernetes-models 4.x, the last
 * major that runs on Node 20) and from the Prometheus Operator's CRDs. An apiVersion missing
 * here fails the test, so a new kind of object is never left unvalidated.
 */
const MODELS_BY_API_VERSION: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'autoscaling/v2': autoscalingV2,
  'policy/v1': policyV1,
  'monitoring.coreos.com/v1': monitoringV1,
};

interface Validatable {
  validate(): void;
}

/** Throws, naming the object and every schema error, unless it validates against its kind's schema. */
export function validateAgainstSchema(object: KubeObject): void {
  const Model = MODELS_BY_API_VERSION[object.apiVersion]?.[object.kind] as (new (data: unknown) => Validatable) | undefined;
  if (Model === undefined) throw new Error(`No schema for ${object.apiVersion} ${object.kind}: add its models to test/deploy/kubernetes-schemas.ts`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
  }
}

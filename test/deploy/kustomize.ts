import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { requireBinary } from './required-binary.js';

const OVERLAYS_DIR = fileURLToPath(new URL('../../deploy/overlays/', import.meta.url));

/** A Kubernetes object as kustomize renders it; fields are read by the tests that need them. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: any;
}

/** Every overlay under deploy/overlays, so a new one is built and validated without editing the tests. */
export function overlayNames(): string[] {
  return readdirSync(OVERLAYS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** `kubectl kustomize deploy/overlays/<name>`, parsed into its objects. */
export function buildOverlay(name: string): KubeObject[] {
  const kubectl = requireBinary('kubectl', 'install kubectl 1.27 or newer (its built-in kustomize renders deploy/); the node-svc machine image ships it');
  const rendered = execFileSync(kubectl, ['kustomize', join(OVERLAYS_DIR, name)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(rendered).map((document) => {
    if (document.errors.length > 0) throw document.errors[0];
    return document.toJS() as KubeObject;
  });
}

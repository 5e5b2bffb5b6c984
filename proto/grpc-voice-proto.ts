import { join } from 'node:path';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { projectRoot } from './project-root.js';

/** Fully qualified name of the gRPC service in `parley/v1/voice.proto`. */
export const VOICE_SERVICE = 'parley.v1.Voice';
export const STREAMING_RECOGNIZE = 'StreamingRecognize';

/**
 * How both ends load the proto: field names as written (the WebSocket's snake_case), unset
 * scalars as their proto3 defaults (so `stable_words: 0` survives the wire), and a virtual
 * `request` / `event` field naming the oneof case that is set.
 */
export const PROTO_LOADER_OPTIONS: Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

const VOICE_PROTO = 'proto/parley/v1/voice.proto';

/** The .proto in the source tree; the same from source and from dist/. */
export function voiceProtoPath(): string {
  return join(projectRoot(), VOICE_PROTO);
}

let loaded: PackageDefinition | undefined;

/** The parsed voice.proto, loaded once per process. */
export function loadVoiceProto(): PackageDefinition {
  loaded ??= loadSync(voiceProtoPath(), PROTO_LOADER_OPTIONS);
  return loaded;
}

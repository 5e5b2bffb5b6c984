import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';

/** Clients of the standard gRPC services Parley serves beside Voice: health checking and reflection. */

type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
type HealthMethod = MethodDefinition<{ service: string }, { status: ServingStatus }>;

/** `grpc.health.v1.Health/Check`; rejects with the ServiceError (e.g. NOT_FOUND). */
export function checkHealth(address: string, service: string): Promise<ServingStatus> {
  const method = healthService.Check as HealthMethod;
  const client = new Client(address, credentials.createInsecure());
  return new Promise<ServingStatus>((resolve, reject) =>
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, { service }, (error, reply) =>
      error ? reject(error as ServiceError) : resolve(reply!.status),
    ),
  ).finally(() => client.close());
}

/** `grpc.health.v1.Health/Watch`: the first `count` statuses it streams. */
export function watchHealth(address: string, service: string, count: number): Promise<ServingStatus[]> {
  const method = healthService.Watch as HealthMethod;
  const client = new Client(address, credentials.createInsecure());
  const call = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, { service });
  const seen: ServingStatus[] = [];
  return new Promise<ServingStatus[]>((resolve, reject) => {
    call.on('data', (reply: { status: ServingStatus }) => {
      seen.push(reply.status);
      if (seen.length === count) resolve(seen);
    });
    call.on('error', (error) => reject(error));
  }).finally(() => {
    call.cancel();
    client.close();
  });
}

interface ReflectionRequest {
  list_services?: string;
  file_containing_symbol?: string;
}
interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

const reflectionProto = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '../proto/grpc/reflection/v1/reflection.proto',
);

/** One request on `grpc.reflection.v1.ServerReflection/ServerReflectionInfo`, as grpcurl sends it. */
export function reflect(address: string, request: ReflectionRequest): Promise<ReflectionResponse> {
  const definition = loadSync(reflectionProto, { keepCase: true, defaults: true, oneofs: true });
  const service = definition['grpc.reflection.v1.ServerReflection'] as ServiceDefinition;
  const method = service.ServerReflectionInfo as MethodDefinition<ReflectionRequest, ReflectionResponse>;
  const client = new Client(address, credentials.createInsecure());
  const call = client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, new Metadata());
  return new Promise<ReflectionResponse>((resolve, reject) => {
    call.on('data', resolve);
    call.on('error', reject);
    call.write(request);
    call.end();
  }).finally(() => client.close());
}

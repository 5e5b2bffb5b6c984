"""One Parley call through a client that protoc generated from proto/parley/v1/voice.proto
for Python grpcio: another gRPC and protobuf implementation than the server's.

Prints every response as a JSON line (field names as in the proto), then a last line
{"status": CODE, "details": ...}. The generated modules must be on PYTHONPATH.
"""

import argparse
import json

import grpc
from google.protobuf import json_format

from parley.v1 import voice_pb2, voice_pb2_grpc


def requests(args, audio):
    yield voice_pb2.StreamingRecognizeRequest(
        config=voice_pb2.SessionConfig(
            encoding=args.encoding,
            sample_rate=args.sample_rate,
            channels=args.channels,
            labels={"call_id": args.call_id},
        )
    )
    for offset in range(0, len(audio), args.chunk_bytes):
        yield voice_pb2.StreamingRecognizeRequest(audio=audio[offset : offset + args.chunk_bytes])
    yield voice_pb2.StreamingRecognizeRequest(stop=voice_pb2.Stop())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--api-key")
    parser.add_argument("--audio", required=True, help="raw audio file in --encoding")
    parser.add_argument("--encoding", required=True)
    parser.add_argument("--sample-rate", type=int, required=True)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--chunk-bytes", type=int, required=True)
    parser.add_argument("--call-id", default="python")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    with open(args.audio, "rb") as f:
        audio = f.read()
    metadata = [("authorization", f"Bearer {args.api_key}")] if args.api_key else None
    with grpc.insecure_channel(args.address) as channel:
        stub = voice_pb2_grpc.VoiceStub(channel)
        try:
            for response in stub.StreamingRecognize(requests(args, audio), metadata=metadata, timeout=args.timeout):
                event = json_format.MessageToDict(
                    response, preserving_proto_field_name=True, including_default_value_fields=True
                )
                print(json.dumps(event), flush=True)
            print(json.dumps({"status": "OK", "details": ""}))
        except grpc.RpcError as error:
            print(json.dumps({"status": error.code().name, "details": error.details()}))


if __name__ == "__main__":
    main()

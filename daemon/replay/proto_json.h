#pragma once

// A fast path for the protobuf JSON mapping, for replay's million-line files.
//
// protobuf 3.21's util::JsonStringToMessage / MessageToJsonString go through
// a TypeResolver and build google.protobuf.Type descriptions on every call
// (~15 us per event here). These functions do the same job by reflection
// over the common subset of the mapping and give up (return false) on
// anything outside it; the caller then uses protobuf's own functions, which
// stay the authority on what is valid, on error messages, and on the output
// for unusual values. So the fast path never changes a result: it either
// produces exactly what protobuf would, or declines.
//
// Parse subset: one JSON object, fields by json_name (lowerCamelCase) or
// proto name, each at most once; integers as plain decimal numbers or
// decimal strings; bool literals; enums by name or known number; ASCII
// strings with JSON escapes (\uXXXX in the ASCII range only); nested
// messages; google.protobuf.Timestamp as an RFC 3339 string; repeated fields
// as arrays. Declined: null, floats, bytes, maps, other well-known types,
// non-ASCII text, unknown fields, two members of a oneof, trailing commas.
//
// Print subset: everything MessageToJsonString prints with default options
// for messages made of integers, bools, enums, ASCII strings, nested
// messages and Timestamps (byte-identical; tested against it). Declined:
// floats, bytes, maps, other well-known types, non-ASCII strings.

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

namespace reminder::replay::proto_json {

// Clears `out` and parses `json` into it. False: declined (`out` is then in
// an unspecified state; clear it before using it again).
bool parse(std::string_view json, google::protobuf::Message& out);

// Appends `m` as MessageToJsonString would with default options. False:
// declined, and `out` is left as it was.
bool append(const google::protobuf::Message& m, std::string& out);

}  // namespace reminder::replay::proto_json

#!/usr/bin/env bash
# Regenerates the binary seeds of event_decoder_fuzz from their text form:
#   tests/fuzz/seeds/event_decoder_fuzz/NAME.txtpb -> tests/fuzz/corpus/event_decoder_fuzz/NAME.pb
# (protoc --encode; rerun after changing a seed or the contract).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus/event_decoder_fuzz
mkdir -p "$out"
for src in tests/fuzz/seeds/event_decoder_fuzz/*.txtpb; do
  name=$(basename "$src" .txtpb)
  protoc -I proto -I /usr/include --encode=reminder.v1.AccountEvent \
    proto/reminder/v1/account_event.proto <"$src" >"$out/$name.pb"
done
echo "wrote $(ls "$out"/*.pb | wc -l) seeds to $out"

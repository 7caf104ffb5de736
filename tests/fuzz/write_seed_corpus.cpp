// Writes the seed corpus for fuzz_decode_message: one file per sample message from
// tests/unit/message_samples.hpp, each the context byte (fuzz_context.hpp) followed by
// the message as our encoders produce it. Each message is decoded back before it is
// written, so a seed that the codec itself rejects never lands in the corpus.
//
//   build/tests/fuzz/write_seed_corpus tests/fuzz/corpus/decode_message
//
// The generated files are committed; rerun this when the encoders change what they send.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bgp/wire/codec.hpp"
#include "fuzz_context.hpp"
#include "message_samples.hpp"

int main(int argc, char** argv) {
    using namespace bgpemu;
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " OUTPUT_DIRECTORY\n";
        return 2;
    }
    const std::filesystem::path directory = argv[1];
    std::filesystem::create_directories(directory);

    auto samples = test::every_message_type();
    for (auto& sample : test::negotiated_option_samples()) samples.push_back(std::move(sample));

    for (const auto& sample : samples) {
        const auto decoded = bgp::decode_message(sample.wire, sample.decode);
        if (!decoded) {
            std::cerr << sample.name << ": our decoder rejects our encoding: " << decoded.error().to_string() << "\n";
            return 1;
        }
        if (decoded->index() + 1 != static_cast<std::size_t>(sample.type)) {
            std::cerr << sample.name << ": decoded as a different message type\n";
            return 1;
        }
        const auto context_byte = static_cast<char>(fuzz::byte_from_decode_context(sample.decode));
        std::ofstream file(directory / sample.name, std::ios::binary | std::ios::trunc);
        file.put(context_byte);
        file.write(reinterpret_cast<const char*>(sample.wire.data()), static_cast<std::streamsize>(sample.wire.size()));
        if (!file) {
            std::cerr << "cannot write " << (directory / sample.name) << "\n";
            return 1;
        }
        std::cout << sample.name << ": " << sample.wire.size() + 1 << " bytes\n";
    }
    return 0;
}

// A table of made-up routes as an MRT file, for `bgpemuctl inject`: what a CE that leaks
// a full table would send (bgpdump_test), or a burst of changes (bmp_test).
#pragma once

#include <filesystem>

namespace bgpemu::test {

// `count` /24s from 100.64.0.0 on, AS path "64999 64998" from AS 64999, as a
// TABLE_DUMP_V2 dump written by rib/mrt.
void write_leak_table(const std::filesystem::path& file, unsigned count);

}  // namespace bgpemu::test

// The main of the test binaries with nothing to check before their tests run.
#include "catch_session.hpp"

int main(int argc, char** argv) { return bgpemu::test::run_catch_session(argc, argv); }

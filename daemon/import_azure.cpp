// bgpemu-import-azure: Azure's JSON of a deployment (az ... list/show, the REST API,
// Resource Graph, an ARM template with literal values) into a design file.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "daemon/import/azure_import.hpp"
#include "daemon/version.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
    bgpemu::daemon::import::ImportRequest request;
    std::string output = "-";
    std::string overlay;
    po::options_description description("bgpemu-import-azure options");
    description.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit")
        ("output,o", po::value(&output)->value_name("FILE"), "write the design to FILE (default: standard output)")
        ("overlay", po::value(&overlay)->value_name("FILE"),
         "a design-file fragment merged over what is derived: names the sites, merges CEs, adds LANs, LAN routers and hosts")
        ("plain-sites", po::bool_switch(&request.plain_sites),
         "derived sites without the documented CE policy (prefer ExpressRoute, advertise only the LAN)")
        ("file", po::value(&request.files)->value_name("FILE"), "JSON of Azure resources (one or more)");
    po::positional_options_description positional;
    positional.add("file", -1);
    try {
        po::variables_map values;
        po::store(po::command_line_parser(argc, argv).options(description).positional(positional).run(), values);
        po::notify(values);
        if (values.count("help")) {
            std::cout << "Usage: bgpemu-import-azure FILE... [-o design.yaml] [--overlay FILE]\n\n"
                         "Reads Azure resources as az and the REST API return them and writes a design file\n"
                         "(doc/guide/importing.md).\n\n"
                      << description << "\n";
            return 0;
        }
        if (values.count("version")) {
            std::cout << "bgpemu-import-azure " << bgpemu::version << "\n";
            return 0;
        }
    } catch (const po::error& e) {
        std::cerr << "bgpemu-import-azure: " << e.what() << " (see --help)\n";
        return 2;
    }
    if (request.files.empty()) {
        std::cerr << "bgpemu-import-azure: no JSON file given (see --help)\n";
        return 2;
    }
    if (!overlay.empty()) request.overlay = overlay;
    if (output != "-") request.output_name = output;
    const auto result = bgpemu::daemon::import::import_azure(request);
    for (const auto& e : result.errors) std::cerr << "error: " << e << "\n";
    if (!result.errors.empty()) {
        std::cerr << "bgpemu-import-azure: " << result.errors.size() << " error(s); nothing written\n";
        return 1;
    }
    for (const auto& n : result.notes) std::cerr << "note: " << n << "\n";
    if (output == "-") {
        std::cout << result.design;
        return 0;
    }
    // Written beside the target and renamed over it: never half a file.
    const auto temporary = output + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << result.design;
        if (!out.flush()) {
            std::cerr << "bgpemu-import-azure: cannot write " << temporary << "\n";
            std::remove(temporary.c_str());
            return 1;
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, output, ec);
    if (ec) {
        std::cerr << "bgpemu-import-azure: cannot write " << output << ": " << ec.message() << "\n";
        std::remove(temporary.c_str());
        return 1;
    }
    return 0;
}

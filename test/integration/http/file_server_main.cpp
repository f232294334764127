// A small file server for the script tests (curl): serves a directory on 127.0.0.1.
//   zerocopy_http_test_server <root> <port-file> [beast]
// Writes the chosen port to <port-file> once listening; stops on SIGTERM or SIGINT.
#include "http_test_util.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    using namespace zerocopy_http_test;
    if (argc < 3) {
        std::cerr << "usage: " << argv[0] << " <root> <port-file> [beast]\n";
        return 2;
    }
    try {
        writer_kind const kind =
            (argc > 3 && std::string(argv[3]) == "beast") ? writer_kind::beast : writer_kind::zerocopy;
        // Block the signals in every thread, then wait for them here.
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        file_server server(argv[1], kind);
        {
            std::ofstream out(std::string(argv[2]) + ".tmp");
            out << server.port() << "\n";
        }
        std::rename((std::string(argv[2]) + ".tmp").c_str(), argv[2]);
        int sig = 0;
        sigwait(&set, &sig);
        return 0;
    } catch (std::exception const& e) {
        std::cerr << "server: " << e.what() << "\n";
        return 1;
    }
}

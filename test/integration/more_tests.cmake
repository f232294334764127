# Further integration tests of the core, each in its own executable (included from
# test/integration/CMakeLists.txt).

# Runs the test cases labelled "blocking_twin" (zerocopy::sendfile) of executable <name> as their
# own CTest entry <name>_blocking_twin (label blocking_twin), and the rest as <name>, so that a
# regression of the blocking twin shows by name. (These entries caught the twin reading the file
# size unsequenced with inspect_file under g++.)
function(zerocopy_split_blocking_twin name)
    set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT "BOOST_TEST_RUN_FILTERS=!@blocking_twin")
    add_test(NAME ${name}_blocking_twin
             COMMAND ${name} --run_test=@blocking_twin --log_level=test_suite --report_level=short)
    get_test_property(${name} TIMEOUT timeout)
    get_test_property(${name} RUN_SERIAL serial)
    get_test_property(${name} LABELS labels)
    if(NOT labels)
        set(labels "")
    endif()
    list(APPEND labels blocking_twin)
    set_tests_properties(${name}_blocking_twin PROPERTIES TIMEOUT ${timeout} LABELS "${labels}")
    if(serial)
        set_tests_properties(${name}_blocking_twin PROPERTIES RUN_SERIAL TRUE)
    endif()
endfunction()

# file_objects.cpp: beast::file_posix / file_stdio passed directly to the operation.
zerocopy_add_test(integration_file_objects SOURCES file_objects.cpp)
zerocopy_split_blocking_twin(integration_file_objects)

# tls.cpp: asio::ssl::stream and beast::ssl_stream with a real handshake on loopback; the
# certificate is generated in-process with the OpenSSL 3 API.
find_package(OpenSSL 3)
if(OPENSSL_FOUND)
    zerocopy_add_test(integration_tls SOURCES tls.cpp LIBS OpenSSL::SSL OpenSSL::Crypto)
    zerocopy_split_blocking_twin(integration_tls)
else()
    message(WARNING "OpenSSL 3 not found: integration_tls is not built (install libssl-dev)")
endif()

# seccomp.cpp: a fork()ed child whose seccomp filter makes sendfile(2) fail with ENOSYS / EPERM.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    zerocopy_add_test(integration_seccomp SOURCES seccomp.cpp)
    zerocopy_split_blocking_twin(integration_seccomp)
endif()

# io_uring_files.cpp: asio::random_access_file / stream_file, which exist only with io_uring.
# Only this executable is compiled with BOOST_ASIO_HAS_IO_URING (it gives BOOST_ASIO_HAS_FILE;
# sockets stay on epoll, so BOOST_ASIO_DISABLE_EPOLL is not needed).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
    pkg_check_modules(ZEROCOPY_LIBURING IMPORTED_TARGET liburing)
endif()
if(TARGET PkgConfig::ZEROCOPY_LIBURING)
    zerocopy_add_test(integration_io_uring_files SOURCES io_uring_files.cpp LIBS PkgConfig::ZEROCOPY_LIBURING)
    target_compile_definitions(integration_io_uring_files PRIVATE BOOST_ASIO_HAS_IO_URING)
    zerocopy_split_blocking_twin(integration_io_uring_files)
elseif(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    message(WARNING "liburing not found: integration_io_uring_files is not built (install liburing-dev)")
endif()

# large_file.cpp: a sparse 5 GiB file with patterns around 2 GiB, 4 GiB and the ends, sent whole
# and from above 4 GiB (heavy: only where ZEROCOPY_HEAVY_TESTS is ON, serially).
if(ZEROCOPY_HEAVY_TESTS)
    zerocopy_add_test(integration_large_file SOURCES large_file.cpp SERIAL TIMEOUT 600 LABELS heavy)
    zerocopy_split_blocking_twin(integration_large_file)
endif()

# cold_cache.cpp (issue 14): the residency probe and the off-loop reads, on evicted and cached files,
# as root and as an unprivileged user (a child process), truncation, cancellation, shutdown. Threaded:
# also run by the TSan stage (scripts/hardening.sh).
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    zerocopy_add_test(integration_cold_cache SOURCES cold_cache.cpp TIMEOUT 120)
endif()

# zerocopy::http — the Beast HTTP layer: zero-copy file responses, Range, conditional requests,
# safe target resolution. Included by the top-level CMakeLists.txt when present.
#
# ZEROCOPY_HTTP_COMPILE_BOOST_URL: compile Boost.URL into zerocopy_http (<boost/url/src.hpp>) instead
# of linking Boost::url — for builds without a compiled Boost.URL, such as the MinGW cross build
# (Debian ships Boost.URL for Linux only).
option(ZEROCOPY_HTTP_COMPILE_BOOST_URL "Compile Boost.URL into zerocopy_http instead of linking Boost::url" OFF)
if(ZEROCOPY_HTTP_COMPILE_BOOST_URL)
    set(_zerocopy_http_url Boost::headers)
else()
    find_package(Boost 1.81 REQUIRED COMPONENTS url)
    set(_zerocopy_http_url Boost::url)
endif()

set(_zerocopy_http_dir ${CMAKE_CURRENT_LIST_DIR}/..)
add_library(zerocopy_http
    ${_zerocopy_http_dir}/src/http/body.cpp
    ${_zerocopy_http_dir}/src/http/conditional.cpp
    ${_zerocopy_http_dir}/src/http/cork.cpp
    ${_zerocopy_http_dir}/src/http/date.cpp
    ${_zerocopy_http_dir}/src/http/etag.cpp
    ${_zerocopy_http_dir}/src/http/framing.cpp
    ${_zerocopy_http_dir}/src/http/mime.cpp
    ${_zerocopy_http_dir}/src/http/multipart.cpp
    ${_zerocopy_http_dir}/src/http/range.cpp
    ${_zerocopy_http_dir}/src/http/resolve.cpp
    ${_zerocopy_http_dir}/src/http/serve_file.cpp
)
# The file seam: CreateFileW and friends on Windows, POSIX calls elsewhere.
if(WIN32)
    target_sources(zerocopy_http PRIVATE ${_zerocopy_http_dir}/src/http/platform_win32.cpp)
else()
    target_sources(zerocopy_http PRIVATE ${_zerocopy_http_dir}/src/http/platform_posix.cpp)
endif()
if(ZEROCOPY_HTTP_COMPILE_BOOST_URL)
    target_sources(zerocopy_http PRIVATE ${_zerocopy_http_dir}/src/http/boost_url.cpp)
    target_compile_definitions(zerocopy_http PUBLIC BOOST_URL_NO_LIB)
endif()
add_library(zerocopy::http ALIAS zerocopy_http)
target_compile_features(zerocopy_http PUBLIC cxx_std_17)
target_include_directories(zerocopy_http PUBLIC
    $<BUILD_INTERFACE:${_zerocopy_http_dir}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(zerocopy_http PUBLIC zerocopy::zerocopy ${_zerocopy_http_url}
                                    PRIVATE $<BUILD_INTERFACE:zerocopy_build_flags>)
set_target_properties(zerocopy_http PROPERTIES EXPORT_NAME http POSITION_INDEPENDENT_CODE ON)
set(ZEROCOPY_HTTP_EXPORTED ON)
unset(_zerocopy_http_dir)
unset(_zerocopy_http_url)

# zerocopy::http — the Beast HTTP layer: zero-copy file responses, Range, conditional requests,
# safe target resolution. Included by the top-level CMakeLists.txt when present.
find_package(Boost 1.81 REQUIRED COMPONENTS url)

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
add_library(zerocopy::http ALIAS zerocopy_http)
target_compile_features(zerocopy_http PUBLIC cxx_std_17)
target_include_directories(zerocopy_http PUBLIC
    $<BUILD_INTERFACE:${_zerocopy_http_dir}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(zerocopy_http PUBLIC zerocopy::zerocopy Boost::url
                                    PRIVATE $<BUILD_INTERFACE:zerocopy_build_flags>)
set_target_properties(zerocopy_http PROPERTIES EXPORT_NAME http POSITION_INDEPENDENT_CODE ON)
set(ZEROCOPY_HTTP_EXPORTED ON)
unset(_zerocopy_http_dir)

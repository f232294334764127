# pkg-config files for users without CMake: zerocopy.pc (the core) and, with the HTTP part,
# zerocopy-http.pc (Requires: zerocopy). Included from the install section of CMakeLists.txt.
#
# Relocatable: every path is relative to the .pc file's own directory (${pcfiledir}), so an
# installed tree or an extracted package works wherever it lies, with or without pkg-config's
# --define-prefix.
#
# Boost ships no .pc files, so Requires cannot name it: what zerocopy's libraries need from Boost
# (its include dir when not a compiler default, as -isystem like CMake does for imported targets, so
# that a user's -Werror does not apply to Boost's headers; -lboost_url with its -L when not a linker
# default)
# and -pthread are written out here. For static libraries (the default) they are in Libs, since
# every link needs them; for shared ones only the users' own needs stay in Libs and the rest goes
# to Libs.private (`pkg-config --static`). No -std= in Cflags: zerocopy needs C++17 or later
# (C++20 for coroutine tokens) and the user's build chooses which.

# The directories that the compiler and the linker search anyway: no -I / -L for them.
function(_zerocopy_pc_is_implicit out dir kind)
    set(${out} OFF PARENT_SCOPE)
    get_filename_component(dir "${dir}" REALPATH)
    foreach(d IN LISTS CMAKE_CXX_IMPLICIT_${kind}_DIRECTORIES)
        get_filename_component(d "${d}" REALPATH)
        if(d STREQUAL dir)
            set(${out} ON PARENT_SCOPE)
        endif()
    endforeach()
endfunction()

# The library file of an imported target (any configuration, Release preferred).
function(_zerocopy_pc_imported_location out target)
    set(loc "")
    get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
    if(configs)
        list(FIND configs RELEASE i)
        if(i GREATER -1)
            set(configs RELEASE ${configs})
        endif()
        foreach(c IN LISTS configs)
            if(NOT loc)
                get_target_property(loc ${target} IMPORTED_LOCATION_${c})
            endif()
        endforeach()
    endif()
    if(NOT loc)
        get_target_property(loc ${target} IMPORTED_LOCATION)
    endif()
    if(NOT loc)
        set(loc "")
    endif()
    set(${out} "${loc}" PARENT_SCOPE)
endfunction()

# Paths relative to ${pcfiledir} (or absolute where the install dirs are absolute).
set(_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(ZEROCOPY_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
    set(ZEROCOPY_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
    set(ZEROCOPY_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
    file(RELATIVE_PATH _pc_up "/_/${_pc_dir}" "/_")
    string(REGEX REPLACE "/$" "" _pc_up "${_pc_up}")
    set(ZEROCOPY_PC_PREFIX "\${pcfiledir}/${_pc_up}")
    if(CMAKE_INSTALL_LIBDIR MATCHES "/")
        # A libdir of more than one level (Debian's lib/x86_64-linux-gnu when the prefix is /usr):
        # pkg-config --define-prefix would set prefix to the .pc file's grandparent, which is not
        # the prefix then, so nothing below goes through ${prefix}.
        set(ZEROCOPY_PC_LIBDIR "\${pcfiledir}/..")
        set(ZEROCOPY_PC_INCLUDEDIR "\${pcfiledir}/${_pc_up}/${CMAKE_INSTALL_INCLUDEDIR}")
    else()
        set(ZEROCOPY_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
        set(ZEROCOPY_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
    endif()
endif()

# Boost's include directory, when the compiler does not search it anyway.
set(ZEROCOPY_PC_BOOST_CFLAGS "")
get_target_property(_pc_boost_inc Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
foreach(d IN LISTS _pc_boost_inc)
    _zerocopy_pc_is_implicit(_implicit "${d}" INCLUDE)
    if(NOT _implicit)
        string(APPEND ZEROCOPY_PC_BOOST_CFLAGS " -isystem ${d}")
    endif()
endforeach()

# What a link of the core needs beyond -lzerocopy.
set(_pc_core_deps "")
if(WIN32)
    set(_pc_core_deps "-lws2_32 -lmswsock")
endif()
# What a link of the HTTP part needs beyond -lzerocopy_http (and the core's).
set(_pc_http_deps "")
set(ZEROCOPY_PC_HTTP_CFLAGS "")
if(TARGET zerocopy_http)
    if(ZEROCOPY_HTTP_COMPILE_BOOST_URL)
        set(ZEROCOPY_PC_HTTP_CFLAGS " -DBOOST_URL_NO_LIB")
    else()
        _zerocopy_pc_imported_location(_pc_url Boost::url)
        if(_pc_url)
            get_filename_component(_pc_url_dir "${_pc_url}" DIRECTORY)
            get_filename_component(_pc_url_name "${_pc_url}" NAME_WE)
            string(REGEX REPLACE "^lib" "" _pc_url_name "${_pc_url_name}")
            _zerocopy_pc_is_implicit(_implicit "${_pc_url_dir}" LINK)
            if(NOT _implicit)
                set(_pc_http_deps "-L${_pc_url_dir} ")
            endif()
            string(APPEND _pc_http_deps "-l${_pc_url_name}")
        else()
            set(_pc_http_deps "-lboost_url")
        endif()
    endif()
endif()

get_target_property(_pc_type zerocopy TYPE)
if(_pc_type STREQUAL "STATIC_LIBRARY")
    set(ZEROCOPY_PC_CORE_LIBS "${_pc_core_deps} -pthread")
    set(ZEROCOPY_PC_CORE_LIBS_PRIVATE "")
    set(ZEROCOPY_PC_HTTP_LIBS "${_pc_http_deps}")
    set(ZEROCOPY_PC_HTTP_LIBS_PRIVATE "")
else()
    set(ZEROCOPY_PC_CORE_LIBS "-pthread")
    set(ZEROCOPY_PC_CORE_LIBS_PRIVATE "${_pc_core_deps}")
    set(ZEROCOPY_PC_HTTP_LIBS "")
    set(ZEROCOPY_PC_HTTP_LIBS_PRIVATE "${_pc_http_deps}")
endif()
string(STRIP "${ZEROCOPY_PC_CORE_LIBS}" ZEROCOPY_PC_CORE_LIBS)

configure_file(${PROJECT_SOURCE_DIR}/cmake/zerocopy.pc.in ${PROJECT_BINARY_DIR}/zerocopy.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/zerocopy.pc DESTINATION ${_pc_dir})
if(TARGET zerocopy_http)
    configure_file(${PROJECT_SOURCE_DIR}/cmake/zerocopy-http.pc.in ${PROJECT_BINARY_DIR}/zerocopy-http.pc @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/zerocopy-http.pc DESTINATION ${_pc_dir})
endif()
unset(_pc_dir)
unset(_pc_up)

# SPDX-License-Identifier: MIT
#
# What `cmake --install` puts beside the natd binary: man pages generated
# from natd's own --help texts (dist/mkman.py runs the freshly built natd),
# the bash completion, and the systemd units (dist/systemd/*.in, with the
# installed natd's path).
include(GNUInstallDirs)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(NATD_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd units go (relative: under the install prefix)")
set(NATD_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "Where the bash completion goes")

# One page per command natd --help lists (natd-COMMAND.1) and natd.1: which
# commands there are is natd's to say, so the pages are installed as a
# directory and natd.1 stands for all of them in the dependency graph.
set(NATD_MAN_DIR ${CMAKE_BINARY_DIR}/man)
set(man_outputs ${NATD_MAN_DIR}/natd.1)
# The sanitizers' runtime must not turn a --help run into a failure of the
# build (the test suites check natd under them).
add_custom_command(OUTPUT ${man_outputs}
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
    ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/dist/mkman.py $<TARGET_FILE:natd>
    ${NATD_MAN_DIR} ${PROJECT_VERSION}
  DEPENDS natd ${CMAKE_SOURCE_DIR}/dist/mkman.py
  COMMENT "man pages from natd's --help texts" VERBATIM)
add_custom_target(natd_man ALL DEPENDS ${man_outputs})

foreach(u natd@.service natd-natnetwork@.service)
  configure_file(${CMAKE_SOURCE_DIR}/dist/systemd/${u}.in
    ${CMAKE_BINARY_DIR}/systemd/${u} @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/systemd/${u} DESTINATION ${NATD_SYSTEMD_UNIT_DIR})
endforeach()

install(TARGETS natd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${NATD_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
  FILES_MATCHING PATTERN "*.1")
install(FILES ${CMAKE_SOURCE_DIR}/dist/bash-completion/natd
  DESTINATION ${NATD_BASH_COMPLETION_DIR})

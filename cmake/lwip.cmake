# SPDX-License-Identifier: MIT
#
# lwIP 2.1.3 from Debian's source package. third_party/fetch-lwip.sh unpacks
# it once into NATD_LWIP_CACHE; here it is copied into the build tree and our
# own patches (third_party/lwip/patches/*.patch, applied in name order) go on
# top. The copy is redone whenever a patch changes.
execute_process(
  COMMAND bash ${CMAKE_SOURCE_DIR}/third_party/fetch-lwip.sh ${NATD_LWIP_CACHE}
  OUTPUT_VARIABLE LWIP_PRISTINE OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE fetch_rc)
if(NOT fetch_rc EQUAL 0)
  message(FATAL_ERROR "could not obtain lwIP's source from Debian (see above)")
endif()

file(GLOB LWIP_PATCHES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/third_party/lwip/patches/*.patch)
list(SORT LWIP_PATCHES)
set(patch_hash "")
foreach(p ${LWIP_PATCHES})
  file(SHA256 ${p} h)
  string(APPEND patch_hash "${h}\n")
endforeach()

set(LWIP_DIR ${CMAKE_BINARY_DIR}/lwip)
set(stamp ${LWIP_DIR}/.natd-patches)
set(old_hash "")
if(EXISTS ${stamp})
  file(READ ${stamp} old_hash)
endif()
if(NOT EXISTS ${stamp} OR NOT old_hash STREQUAL patch_hash)
  file(REMOVE_RECURSE ${LWIP_DIR})
  file(MAKE_DIRECTORY ${LWIP_DIR})
  file(COPY ${LWIP_PRISTINE}/src ${LWIP_PRISTINE}/doc DESTINATION ${LWIP_DIR})
  foreach(p ${LWIP_PATCHES})
    execute_process(COMMAND patch -p1 --forward --batch -i ${p}
      WORKING_DIRECTORY ${LWIP_DIR} RESULT_VARIABLE prc OUTPUT_VARIABLE pout
      ERROR_VARIABLE pout)
    if(NOT prc EQUAL 0)
      message(FATAL_ERROR "lwIP patch ${p} does not apply:\n${pout}")
    endif()
    message(STATUS "lwIP: applied ${p}")
  endforeach()
  file(WRITE ${stamp} "${patch_hash}")
endif()

include(${LWIP_DIR}/src/Filelists.cmake)
add_library(lwip STATIC ${lwipcore_SRCS} ${lwipcore4_SRCS} ${lwipcore6_SRCS}
  ${LWIP_DIR}/src/netif/ethernet.c)
target_include_directories(lwip SYSTEM PUBLIC
  ${CMAKE_SOURCE_DIR}/third_party/lwip ${LWIP_DIR}/src/include)
target_compile_options(lwip PRIVATE -w)

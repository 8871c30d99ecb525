# Writes weft.pc at install time, for the prefix actually installed to (so
# `cmake --install --prefix DIR` gets DIR, not the configured prefix).
# Called from the install script with PROJECT_* and the GNU install dirs set.
#
# The system prefixes (/usr, /usr/local) are written literally: pkg-config
# then recognises /usr/include and the multiarch libdir as system folders and
# leaves them out of --cflags/--libs, and nobody moves a tree installed there.
# Any other prefix (/opt/weft, $HOME/.local, a scratch folder) is written
# relative to the .pc file's own folder, so the installed tree can be moved.
set(prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/+$" "" prefix "${prefix}")
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${WEFT_INSTALL_${dir}}")
    set(abs_${dir} "${WEFT_INSTALL_${dir}}")
    set(rel_${dir} "${WEFT_INSTALL_${dir}}")
  else()
    set(abs_${dir} "${prefix}/${WEFT_INSTALL_${dir}}")
    set(rel_${dir} "\${prefix}/${WEFT_INSTALL_${dir}}")
  endif()
endforeach()
if(prefix STREQUAL "/usr" OR prefix STREQUAL "/usr/local" OR prefix STREQUAL ""
   OR IS_ABSOLUTE "${WEFT_INSTALL_LIBDIR}")
  set(WEFT_PC_PREFIX "${prefix}")
else()
  file(RELATIVE_PATH up "${abs_LIBDIR}/pkgconfig" "${prefix}")
  string(REGEX REPLACE "/$" "" up "${up}")
  set(WEFT_PC_PREFIX "\${pcfiledir}/${up}")
endif()
set(WEFT_PC_LIBDIR "${rel_LIBDIR}")
set(WEFT_PC_INCLUDEDIR "${rel_INCLUDEDIR}")
configure_file("${WEFT_PC_IN}" "${WEFT_PC_OUT}" @ONLY)
file(INSTALL "${WEFT_PC_OUT}" DESTINATION "${abs_LIBDIR}/pkgconfig")

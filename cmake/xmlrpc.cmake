# xmlrpc-c 1.33 ships no pkg-config file: ask xmlrpc-c-config.
find_program(XMLRPC_C_CONFIG xmlrpc-c-config REQUIRED)
foreach(kind client)
	execute_process(COMMAND ${XMLRPC_C_CONFIG} ${kind} --libs
		OUTPUT_VARIABLE libs OUTPUT_STRIP_TRAILING_WHITESPACE)
	execute_process(COMMAND ${XMLRPC_C_CONFIG} ${kind} --cflags
		OUTPUT_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE)
	string(REPLACE "-" "_" tgt ${kind})
	add_library(xmlrpc_${tgt} INTERFACE)
	separate_arguments(libs_list UNIX_COMMAND "${libs}")
	separate_arguments(cflags_list UNIX_COMMAND "${cflags}")
	target_link_libraries(xmlrpc_${tgt} INTERFACE ${libs_list})
	target_compile_options(xmlrpc_${tgt} INTERFACE ${cflags_list})
endforeach()

# ctest's find_package_consumer: install the built library into a scratch prefix, then configure, build
# and run tests/consumer/, a separate project that finds it with find_package(TosAi).
set(work "${BUILD_DIR}/consumer-test")
file(REMOVE_RECURSE "${work}")

function(step)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGV}\n${output}")
  endif()
  set(last_output "${output}" PARENT_SCOPE)
endfunction()

step(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${work}/prefix")
step(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${work}/build" -G "${GENERATOR}"
     "-DCMAKE_PREFIX_PATH=${work}/prefix")
step(${CMAKE_COMMAND} --build "${work}/build")
step("${work}/build/consumer")
message(STATUS "consumer printed: ${last_output}")

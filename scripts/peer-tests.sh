#!/usr/bin/env bash
# Development check (not CI): runs test suites written by others against the embedded engine.
#   - temporalio/sdk-dotnet tests/Temporalio.Tests: WorkflowWorkerTests, ActivityWorkerTests,
#     TemporalClientWorkflowTests, WorkflowHandleTests, TemporalClientScheduleTests (their WorkflowEnvironment
#     starts a dev server with StartLocalAsync: the script sends that to our executable with ExistingPath;
#     PEER_SDK_SHARED_ENGINE=1 runs one engine for all instead, as an external server);
#   - temporalio/samples-dotnet tests/ (they start their own server through WorkflowEnvironment: the
#     script sends every StartLocalAsync/StartTimeSkippingAsync to our executable with ExistingPath).
#     The copy is retargeted to net10.0 with shims for the test host's packages the mirror lacks, and the
#     samples whose project does not restore from the mirror are dropped with their tests (printed, with why).
# The sources are exported at run time from local git copies into a temp dir (never committed) and
# built against the Temporalio 1.21.1 package. Every test class runs with a hang timeout; tests a hang
# cut off are run again one by one with a per-test timeout.
#
# Usage: scripts/peer-tests.sh [sdk|samples|all]   (default all)
# Env:   SDK_DOTNET_GIT      git dir of temporalio/sdk-dotnet   (default /work/.mirror/temporalio+sdk-dotnet/repo)
#        SAMPLES_DOTNET_GIT  git dir of temporalio/samples-dotnet (default /work/.mirror/temporalio+samples-dotnet/repo)
#        PEER_REF            commit to export (default HEAD)      PEER_TEST_TIMEOUT per-test seconds (default 120)
#        PEER_FILTER         extra dotnet test filter (e.g. FullyQualifiedName~Signal)
#        PEER_SDK_CLASSES    the SDK test classes to run (default: the five above; WorkerDeploymentVersioningTests,
#                            TemporalClientTests, TemporalClientTaskQueueTests, GeneralWorkerTests, WorkerTuningTests,
#                            PayloadSizeLimitsTests, WorkflowReplayerTests, WorkflowEnvironmentTests,
#                            WorkflowEnvironmentEnvConfigTests, TemporalWorkerServiceTests, ActivityScopeTests, NexusWorkerTests,
#                            TemporalClientNexusOperationTests, NexusUpdateOperationTests, NexusWorkerServiceTests,
#                            PluginTests, NexusWorkerServiceRegistrationTests and TemporalRuntimeTests are
#                            built too and can be named here; the SDK classes left out, and why, are listed in sdk_tests)
#        PEER_KEEP_WORK=1    keep the temp dir (about 6 GB) after the run; it is removed otherwise
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHAT="${1:-all}"
SDK_GIT="${SDK_DOTNET_GIT:-/work/.mirror/temporalio+sdk-dotnet/repo}"
SAMPLES_GIT="${SAMPLES_DOTNET_GIT:-/work/.mirror/temporalio+samples-dotnet/repo}"
REF="${PEER_REF:-HEAD}"
PER_TEST="${PEER_TEST_TIMEOUT:-120}"
TEMPORALIO_VERSION=1.21.1
WORK="$(mktemp -d /tmp/peer-tests.XXXXXX)"
ENGINE_PID=""

cleanup() {
  if [[ -n "$ENGINE_PID" ]]; then kill "$ENGINE_PID" 2>/dev/null || true; wait "$ENGINE_PID" 2>/dev/null || true; fi
  kill_orphans
  # A run builds the SDK's tests and samples (about 6 GB); keep them only when asked to.
  if [[ "${PEER_KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; fi
}

# The tests start the engine themselves; a test host the hang timeout kills leaves its engine
# running. Only processes of this run's executable (its path is in this run's temp dir) are ended.
kill_orphans() {
  local p
  for p in /proc/[0-9]*; do
    if [[ "$(readlink "$p/exe" 2>/dev/null)" == "${ENGINE:-/nonexistent}" ]]; then kill "${p#/proc/}" 2>/dev/null || true; fi
  done
}
trap cleanup EXIT

echo "peer-tests: work dir $WORK"
dotnet build "$ROOT/src/WarehouseOms.TemporalDevServer" -c Release -o "$WORK/engine" -v q -nologo >/dev/null
ENGINE="$WORK/engine/WarehouseOms.TemporalDevServer"

# The class every redirected WorkflowEnvironment.StartLocalAsync/StartTimeSkippingAsync calls (C#, printed).
peer_engine_shim() {
  cat <<CS
// Every WorkflowEnvironment.StartLocalAsync/StartTimeSkippingAsync of the tests comes here: our executable
// is the server whatever else the options say (the SDK would download the CLI or the test server otherwise).
public static class PeerEngine
{
    public const string Path = "$ENGINE";

    public static System.Threading.Tasks.Task<Temporalio.Testing.WorkflowEnvironment> StartLocalAsync(Temporalio.Testing.WorkflowEnvironmentStartLocalOptions? options = null)
    {
        options ??= new();
        options.DevServerOptions.ExistingPath = Path;
        return Temporalio.Testing.WorkflowEnvironment.StartLocalAsync(options);
    }

    public static System.Threading.Tasks.Task<Temporalio.Testing.WorkflowEnvironment> StartTimeSkippingAsync(Temporalio.Testing.WorkflowEnvironmentStartTimeSkippingOptions? options = null)
    {
        options ??= new();
        options.TestServer.ExistingPath = Path;
        return Temporalio.Testing.WorkflowEnvironment.StartTimeSkippingAsync(options);
    }
}
CS
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_engine() {
  local port; port="$(free_port)"
  # The dynamic config the SDK's own test environment gives its dev server (keys the engine does not know are ignored).
  "$ENGINE" server start-dev --port "$port" --namespace default --ip 127.0.0.1 --headless \
    --dynamic-config-value limit.historyCount.suggestContinueAsNew=50 \
    --dynamic-config-value frontend.enableExecuteMultiOperation=true \
    --dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=true >"$WORK/engine.log" 2>&1 &
  ENGINE_PID=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "127.0.0.1:$port"; return; fi
    sleep 0.1
  done
  echo "peer-tests: the engine did not come up; its log ends:" >&2; tail -n 40 "$WORK/engine.log" >&2; exit 1
}

# Counts outcomes in the TRX files of one directory: "passed failed" (a test seen several times counts once, last outcome wins).
count_trx() {
  python3 - "$1" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
outcome = {}
for path in sorted(glob.glob(sys.argv[1] + '/**/*.trx', recursive=True)):
    for r in ET.parse(path).getroot().iterfind('.//t:UnitTestResult', ns):
        outcome[r.get('testName')] = r.get('outcome')
passed = sum(1 for o in outcome.values() if o == 'Passed')
failed = sorted(n for n, o in outcome.items() if o != 'Passed' and o != 'NotExecuted')
print(passed, len(failed))
open(sys.argv[1] + '/failed.txt', 'w').write('\n'.join(failed) + '\n')
open(sys.argv[1] + '/seen.txt', 'w').write('\n'.join(sorted(outcome)) + '\n')
PY
}

# Runs one test class. A hang cuts the run off; the tests it had not reached run again together (one environment,
# as in the class run, without the test that hung), and whatever is still missing runs alone with a per-test timeout.
run_class() {
  local project="$1" cls="$2" results="$3"
  local filter="FullyQualifiedName~$cls"
  [[ -n "${PEER_FILTER:-}" ]] && filter="$filter&${PEER_FILTER}"
  run_batch "$project" "$filter" "$cls" "$results" "$results/$cls.round.log"
  # Theory cases cannot be named in a filter: a method is run again whole when any of its cases is missing.
  dotnet test "$project" --no-build -c Release --filter "$filter" --list-tests 2>/dev/null \
    | sed -n 's/^    //p' | sed 's/(.*//' | sort -u >"$results/$cls.all"
  local hung="" round missing cut rest
  for round in 1 2 3 4 5 6 7 8; do
    count_trx "$results" >/dev/null
    missing="$(comm -23 "$results/$cls.all" <(sed 's/(.*//' "$results/seen.txt" | sort -u) || true)"
    cut="$(sed -n '/The test running when the crash occurred/{n;p;}' "$results/$cls.round.log" | sed 's/(.*//' | tr -d '[:space:]')"
    [[ -z "$missing" || -z "$cut" ]] && break
    hung+="$cut"$'\n'
    rest="$(grep -vxF -f <(printf '%s' "$hung") <<<"$missing" || true)"
    [[ -z "$rest" ]] && break
    run_batch "$project" "$(sed 's/^/FullyQualifiedName=/' <<<"$rest" | paste -sd'|')" "$cls-rest$round" "$results" "$results/$cls.round.log"
  done
  count_trx "$results" >/dev/null
  missing="$(comm -23 "$results/$cls.all" <(sed 's/(.*//' "$results/seen.txt" | sort -u) || true)"
  while read -r name; do
    [[ -z "$name" ]] && continue
    timeout $((PER_TEST + 30)) dotnet test "$project" --no-build -c Release --filter "FullyQualifiedName=$name" \
      --blame-hang-timeout "${PER_TEST}s" --blame-hang-dump-type none \
      --logger "trx;LogFilePrefix=single" --results-directory "$results" >>"$results/$cls.log" 2>&1 || true
    if ! grep -rqs "testName=\"$name" "$results"/*.trx; then echo "$name (hang)" >>"$results/hung.txt"; fi
  done <<<"$missing"
}

# One dotnet test run of a filter with the hang timeout; its log goes to $5 and is appended to the class log.
run_batch() {
  local project="$1" filter="$2" prefix="$3" results="$4" log="$5"
  timeout $((PER_TEST * 20)) dotnet test "$project" --no-build -c Release --filter "$filter" \
    --blame-hang-timeout "${PER_TEST}s" --blame-hang-dump-type none \
    --logger "trx;LogFilePrefix=$prefix" --results-directory "$results" >"$log" 2>&1 || true
  cat "$log" >>"$results/${prefix%%-rest*}.log"
}

sdk_tests() {
  local dir="$WORK/sdk" results="$WORK/sdk-results"
  mkdir -p "$dir" "$results"
  git --git-dir="$SDK_GIT" archive "$REF" tests/Temporalio.Tests | tar -x -C "$dir"
  local src="$dir/tests/Temporalio.Tests" proj="$dir/PeerSdkTests"
  mkdir -p "$proj"
  # The suites and what they build on; Program.cs (an xunit.console host) is replaced below.
  # Left out: Client/TemporalClientActivityTests.cs (at 68e4eaef it uses ActivityExecutionDescription.ScheduledTime
  # and StartActivityOptions.StaticSummary, which Temporalio 1.21.1 lacks), Extensions/OpenTelemetry/* and
  # Extensions/DiagnosticSource/* (Temporalio.Extensions.OpenTelemetry and .DiagnosticSource are not served here),
  # and Nexus/*Tests.cs (unit tests that start no server).
  for f in Worker/WorkflowWorkerTests.cs Worker/ActivityWorkerTests.cs Worker/WorkerDeploymentVersioningTests.cs Client/TemporalClientWorkflowTests.cs Client/WorkflowHandleTests.cs Client/TemporalClientScheduleTests.cs \
           Client/TemporalClientTests.cs Client/TemporalClientTaskQueueTests.cs Worker/GeneralWorkerTests.cs Worker/WorkerTuningTests.cs \
           Worker/PayloadSizeLimitsTests.cs Worker/WorkflowReplayerTests.cs Testing/WorkflowEnvironmentTests.cs \
           WorkflowEnvironmentEnvConfigTests.cs Extensions/Hosting/TemporalWorkerServiceTests.cs Extensions/Hosting/ActivityScopeTests.cs Worker/NexusWorkerTests.cs \
           Client/TemporalClientNexusOperationTests.cs Worker/NexusUpdateOperationTests.cs \
           Extensions/Hosting/NexusWorkerServiceTests.cs Common/PluginTests.cs Converters/PayloadConverterTests.cs Extensions/Hosting/NexusWorkerServiceRegistrationTests.cs \
           Runtime/TemporalRuntimeTests.cs \
           TestBase.cs WorkflowEnvironment.cs WorkflowEnvironmentCollection.cs WorkflowEnvironmentTestBase.cs KitchenSinkWorkflow.cs IKitchenSinkWorkflow.cs \
           AssertMore.cs TestUtils.cs ConsoleWriter.cs CloudTestExclusionAttribute.cs CloudTestExclusionDiscoverer.cs \
           CloudTestExclusionReason.cs Worker/HeaderCallbackInterceptor.cs Worker/ManualPollCompletionBridgeWorker.cs \
           XunitExceptionInterceptor.cs Converters/Base64PayloadCodec.cs xunit.runner.json; do
    [[ -f "$src/$f" ]] && { mkdir -p "$proj/$(dirname "$f")"; cp "$src/$f" "$proj/$f"; }
  done
  cp -r "$src/Worker/Histories" "$proj/Worker/" 2>/dev/null || true
  # The SDK's test environment starts its dev server with StartLocalAsync (and the dynamic config its own
  # CI gives it); that call is sent to our executable, so every environment, the second one of
  # WorkerClientReplacement too, is an engine of its own, as with the Temporal CLI.
  # Some test classes start an environment of their own (with extra dev-server arguments): those go there too.
  find "$proj" -name '*.cs' -exec sed -i -E 's#(Temporalio\.Testing\.)?WorkflowEnvironment\.Start(Local|TimeSkipping)Async\(#global::PeerEngine.Start\2Async(#g' {} +
  grep -q 'global::PeerEngine.StartLocalAsync(' "$proj/WorkflowEnvironment.cs" ||
    { echo "peer-tests: the SDK's WorkflowEnvironment.cs no longer calls StartLocalAsync as expected" >&2; return 1; }
  cat >"$proj/PeerShims.cs" <<'CS'
// Written for the peer check: what the SDK's test host provides that the package set here lacks.
namespace Temporalio.Tests
{
    public static class Program
    {
        internal static bool InProc => false;

        internal static bool Verbose => false;
    }
}

namespace Microsoft.Extensions.Logging
{
    using Xunit.Abstractions;

    internal static class PeerXUnitLogging
    {
        // MartinCostello.Logging.XUnit is not served here: log to the console instead.
        public static ILoggingBuilder AddXUnit(this ILoggingBuilder builder, ITestOutputHelper output) => builder.AddSimpleConsole();
    }
}
CS
  peer_engine_shim >>"$proj/PeerShims.cs"
  cat >"$proj/PeerSdkTests.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <IsPackable>false</IsPackable>
    <!-- The package lets an assembly of this name see its internals, as the SDK's own tests do. -->
    <AssemblyName>Temporalio.Tests</AssemblyName>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
    <NoWarn>\$(NoWarn);CS1591;CS8600;CS8602;CS8604;CS8618;CS0618;NU1603;NU1701</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Temporalio" Version="$TEMPORALIO_VERSION" />
    <PackageReference Include="Temporalio.Extensions.Hosting" Version="$TEMPORALIO_VERSION" />
    <PackageReference Include="Microsoft.Extensions.Logging.Console" Version="11.0.0" />
    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" />
    <PackageReference Include="xunit" Version="2.9.3" />
    <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
    <PackageReference Include="Xunit.SkippableFact" Version="1.5.85" />
  </ItemGroup>
  <ItemGroup>
    <Content Include="xunit.runner.json" CopyToOutputDirectory="PreserveNewest" />
    <None Include="Worker/Histories/**" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
XML
  echo '<Project/>' >"$dir/Directory.Build.props"; echo '<Project/>' >"$dir/Directory.Packages.props"
  if ! dotnet build "$proj" -c Release -v q -nologo >"$results/build.log" 2>&1; then
    echo "peer-tests: the SDK tests do not build against Temporalio $TEMPORALIO_VERSION; see $results/build.log" >&2
    grep -E "error" "$results/build.log" | sort -u | head -20 >&2
    return 1
  fi
  unset TEMPORAL_TEST_CLIENT_TARGET_HOST
  if [[ -n "${PEER_SDK_SHARED_ENGINE:-}" ]]; then
    # Faster: one engine for every class, as an external server (then WorkerClientReplacement cannot pass).
    export TEMPORAL_TEST_CLIENT_TARGET_HOST; TEMPORAL_TEST_CLIENT_TARGET_HOST="$(start_engine)"
    export TEMPORAL_TEST_CLIENT_NAMESPACE=default
  fi
  for cls in ${PEER_SDK_CLASSES:-WorkflowWorkerTests ActivityWorkerTests TemporalClientWorkflowTests WorkflowHandleTests TemporalClientScheduleTests}; do
    run_class "$proj" "$cls" "$results"
    [[ -n "${PEER_SDK_SHARED_ENGINE:-}" ]] || kill_orphans
    echo "peer-tests: sdk $cls done: $(count_trx "$results")"
  done
  read -r passed failed < <(count_trx "$results")
  echo "SDK tests: $passed passed, $failed failed, $(if [[ -f "$results/hung.txt" ]]; then wc -l <"$results/hung.txt"; else echo 0; fi) hung (of $(cat "$results"/*.all | sort -u | wc -l) test methods)"
  if [[ -s "$results/failed.txt" ]]; then grep -v '^$' "$results/failed.txt" | sed 's/^/  failed: /' || true; fi
  if [[ -s "$results/hung.txt" ]]; then sed 's/^/  hung: /' "$results/hung.txt"; fi
  echo "  logs: $results/*.log (kept with PEER_KEEP_WORK=1)"
  cleanup; ENGINE_PID=""
}

# Makes the exported samples buildable here (in the temp copy only) and says what it dropped and why.
samples_prepare() {
  local dir="$1" results="$2"
  local tests="$dir/tests" proj="$dir/tests/TemporalioSamples.Tests.csproj"
  # global.json pins SDK 8.0.4xx and the samples target net8.0: only the .NET 10 SDK and runtime are here.
  rm -f "$dir/global.json"
  # Versions the mirror lacks resolve to the next one served (NU1603), which can then look like a
  # downgrade against a sibling (NU1605); newer analyzers only warn. None of that is what is checked here.
  sed -i -e 's#<TargetFramework>net8.0</TargetFramework>#<TargetFramework>net10.0</TargetFramework>#' \
    -e 's#<TreatWarningsAsErrors>true</TreatWarningsAsErrors>#<TreatWarningsAsErrors>false</TreatWarningsAsErrors><NoWarn>$(NoWarn);NU1603;NU1605</NoWarn>#' \
    "$dir/Directory.Build.props"
  find "$dir" -name Directory.Packages.props -exec sed -i -E "s#(Include=\"Temporalio[^\"]*\" Version=\")[^\"]*#\1$TEMPORALIO_VERSION#" {} +
  # The test host's own packages the mirror lacks: MartinCostello.Logging.XUnit (AddXUnit logs to the
  # console instead) and xunit.console (its Program.Main runs xunit in-process; the test SDK's entry point
  # is used instead, and Program keeps the two flags TestBase reads).
  sed -i -E -e '/Include="(MartinCostello\.Logging\.XUnit|xunit\.console)"/d' \
    -e '/<(OutputType|GenerateProgramFile)>/d' "$proj"
  echo "peer-tests: samples test host: MartinCostello.Logging.XUnit and xunit.console are not served, shims stand in"
  cat >"$tests/Program.cs" <<'CS'
namespace TemporalioSamples.Tests;

// Written for the peer check: xunit.console is not served here, the test SDK's entry point runs the tests.
public static class Program
{
    internal static bool InProc => false;

    internal static bool Verbose => false;
}
CS
  cat >"$tests/PeerShims.cs" <<CS
// Written for the peer check.
#pragma warning disable
namespace Microsoft.Extensions.Logging
{
    using Xunit.Abstractions;

    internal static class PeerXUnitLogging
    {
        // MartinCostello.Logging.XUnit is not served here: log to the console instead.
        public static ILoggingBuilder AddXUnit(this ILoggingBuilder builder, ITestOutputHelper output) => builder.AddSimpleConsole();
    }
}

CS
  peer_engine_shim >>"$tests/PeerShims.cs"
  find "$tests" -name '*.cs' ! -name PeerShims.cs -exec sed -i -E \
    's#(Temporalio\.Testing\.)?WorkflowEnvironment\.Start(Local|TimeSkipping)Async\(#global::PeerEngine.Start\2Async(#g' {} +
  if grep -rEn 'WorkflowEnvironment\.Start(Local|TimeSkipping)Async\(' "$tests" --include='*.cs' | grep -v PeerShims.cs >&2; then
    echo "peer-tests: the calls above would not start our executable" >&2; return 1
  fi

  # Packages every project gets (Directory.Build.props) that the mirror lacks: a probe project with
  # nothing of its own names them, and they are dropped from every project (only samples the tests
  # do not reference, or that are dropped below, use them).
  mkdir -p "$dir/peer-probe"; echo '<Project Sdk="Microsoft.NET.Sdk" />' >"$dir/peer-probe/probe.csproj"
  local pkg
  for pkg in $(dotnet restore "$dir/peer-probe/probe.csproj" 2>&1 | sed -n -E 's/.*error NU110[12]: Unable to find package ([^ ]+[^ .]).*/\1/p' | sort -u); do
    sed -i "/<PackageReference Include=\"$pkg\"/d" "$dir/Directory.Build.props"
    echo "peer-tests: samples: $pkg dropped from every project (not served)"
  done
  rm -r "$dir/peer-probe"

  # Sample projects the tests reference that do not restore here are dropped by that rule, with the
  # tests folder of the same sample (src/<Sample>/... -> tests/<Sample>/); restore is tried again
  # (a sample referencing a dropped one would fail in turn).
  : >"$results/excluded.txt"
  local round csproj sample reason bad
  for round in 1 2 3; do
    if dotnet restore "$proj" >"$results/restore.log" 2>&1; then
      while IFS=$'\t' read -r sample count reason; do
        echo "peer-tests: samples: $sample excluded with its $count test(s), it does not restore: $reason"
      done <"$results/excluded.txt"
      return 0
    fi
    bad="$(sed -n -E -e 's#^(/[^ ]+\.csproj) : error (NU[0-9]+): Unable to find package ([^ ]+[^ .]).*#\1\t\3 not served (\2)#p' \
      -e 's#^(/[^ ]+\.csproj) : error (NU[0-9]+: [^[]*).*#\1\t\2#p' "$results/restore.log" | grep -v "^$proj	" | sort -u || true)"
    if [[ -z "$bad" || "$round" == 3 ]]; then break; fi
    while IFS=$'\t' read -r csproj reason; do
      sample="${csproj#"$dir/src/"}"; sample="${sample%%/*}"
      grep -q "^$sample	" "$results/excluded.txt" && continue
      sed -i "/src\\\\$sample\\\\/d" "$proj"
      local count; count="$(find "$tests/$sample" -name '*.cs' -exec cat {} + 2>/dev/null | grep -cE '^\s*\[(Fact|Theory|TimeSkippingServerFact)' || true)"
      rm -rf "${tests:?}/$sample"
      printf '%s\t%s\t%s\n' "$sample" "$count" "$(grep -F "$dir/src/$sample/" <<<"$bad" | cut -f2 | sort -u | paste -sd ';' | sed 's/;/; /g')" >>"$results/excluded.txt"
    done <<<"$bad"
  done
  echo "peer-tests: the samples' test project does not restore; see $results/restore.log" >&2
  grep -E "error" "$results/restore.log" | sort -u | head -20 >&2
  return 1
}

samples_tests() {
  local dir="$WORK/samples" results="$WORK/samples-results"
  mkdir -p "$dir" "$results"
  git --git-dir="$SAMPLES_GIT" archive "$REF" | tar -x -C "$dir"
  samples_prepare "$dir" "$results"
  local proj="$dir/tests/TemporalioSamples.Tests.csproj"
  if ! dotnet build "$proj" -c Release -v q -nologo >"$results/build.log" 2>&1; then
    echo "peer-tests: the samples' tests do not build; see $results/build.log" >&2
    grep -E "error" "$results/build.log" | sort -u | head -20 >&2
    return 1
  fi
  run_class "$proj" TemporalioSamples.Tests "$results"
  # Each test starts its own engine, many at once; on a loaded machine one can miss the SDK's 5 s wait
  # ("ephemeral server ... did not start within 5s"): such tests are run once more, alone.
  python3 - "$results" >"$results/retried.txt" <<'PY'
import sys, os, glob, xml.etree.ElementTree as ET
ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
last = {}
for path in sorted(glob.glob(sys.argv[1] + '/**/*.trx', recursive=True), key=os.path.getmtime):
    for r in ET.parse(path).getroot().iterfind('.//t:UnitTestResult', ns):
        m = r.find('.//t:Message', ns)
        last[r.get('testName')] = (r.get('outcome'), m.text if m is not None and m.text else '')
for name, (o, m) in sorted(last.items()):
    if o == 'Failed' and 'did not start within' in m: print(name.split('(')[0])
PY
  local name
  while read -r name; do
    [[ -z "$name" ]] && continue
    timeout $((PER_TEST + 30)) dotnet test "$proj" --no-build -c Release --filter "FullyQualifiedName=$name" \
      --blame-hang-timeout "${PER_TEST}s" --blame-hang-dump-type none \
      --logger "trx;LogFilePrefix=retried" --results-directory "$results" >>"$results/retried.log" 2>&1 || true
  done < <(sort -u "$results/retried.txt")
  python3 - "$results" <<'PY'
import sys, os, glob, xml.etree.ElementTree as ET
ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
outcome = {}
for path in sorted(glob.glob(sys.argv[1] + '/**/*.trx', recursive=True), key=os.path.getmtime):
    for r in ET.parse(path).getroot().iterfind('.//t:UnitTestResult', ns):
        outcome[r.get('testName')] = r.get('outcome')
passed = [n for n, o in outcome.items() if o == 'Passed']
skipped = sorted(n for n, o in outcome.items() if o == 'NotExecuted')
failed = sorted(n for n, o in outcome.items() if o not in ('Passed', 'NotExecuted'))
print(f"Samples tests: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped")
for n in failed: print(f"  failed: {n}")
for n in skipped: print(f"  skipped: {n}")
PY
  if [[ -s "$results/hung.txt" ]]; then sed 's/^/  hung: /' "$results/hung.txt"; fi
  if [[ -s "$results/retried.txt" ]]; then sed 's/^/  run again alone after a slow engine start: /' "$results/retried.txt"; fi
  kill_orphans
  echo "  not built: $(awk -F'\t' '{n += $2} END {print n + 0}' "$results/excluded.txt") tests of $(wc -l <"$results/excluded.txt") samples excluded (above)   logs and trx: $results (kept with PEER_KEEP_WORK=1)"
}

case "$WHAT" in
  sdk) sdk_tests ;;
  samples) samples_tests ;;
  all) sdk_tests || true; samples_tests ;;
  *) echo "usage: $0 [sdk|samples|all]" >&2; exit 2 ;;
esac

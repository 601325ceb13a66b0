package dev.openaibeam.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Options of the JSONL pipeline, given as {@code --name=value}. No option holds a secret. */
public interface OpenAiBeamOptions extends PipelineOptions {
  @Description("Input JSONL files (glob; any Beam filesystem; .gz read directly)")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Prefix of the result files")
  @Default.String("out/results")
  String getOutput();

  void setOutput(String value);

  @Description("Prefix of the failure files (replayable as input)")
  @Default.String("out/failures")
  String getFailures();

  void setFailures(String value);

  @Description("API base URL (OpenAI, Azure resource URL, vLLM, llama.cpp, Ollama, the emulator);"
      + " without it OPENAI_BASE_URL, as the official SDKs read it, else https://api.openai.com/v1")
  String getBaseUrl();

  void setBaseUrl(String value);

  @Description("OpenAI organization, sent as OpenAI-Organization (whose budget a call spends);"
      + " without it OPENAI_ORG_ID, as the official SDKs read it")
  String getOpenaiOrganization();

  void setOpenaiOrganization(String value);

  // Not "project": GcpOptions (Dataflow) owns --project, the Google Cloud project.
  @Description("OpenAI project, sent as OpenAI-Project (whose budget a call spends); without it"
      + " OPENAI_PROJECT_ID, as the official SDKs read it")
  String getOpenaiProject();

  void setOpenaiProject(String value);

  // Not "endpoint": Beam's AwsOptions (on the classpath for s3://) owns --endpoint, as a URI.
  @Description("Endpoint for lines without their own url")
  @Default.String("/v1/chat/completions")
  String getApiEndpoint();

  void setApiEndpoint(String value);

  @Description("Requests per minute for all workers together (0 = learn it from the service's"
      + " x-ratelimit-limit-requests, or from its 429s when it reports none; a given limit is an"
      + " upper bound)")
  @Default.Long(0)
  long getRpm();

  void setRpm(long value);

  @Description("Tokens per minute for all workers together (0 = learn it from the service's"
      + " x-ratelimit-limit-tokens; a given limit is an upper bound)")
  @Default.Long(0)
  long getTpm();

  void setTpm(long value);

  @Description("Window over which the service enforces the limits, in seconds (OpenAI: about 1)")
  @Default.Double(1.0)
  double getRateLimitWindowSeconds();

  void setRateLimitWindowSeconds(double value);

  @Description("Fraction of the limits to aim for")
  @Default.Double(0.99)
  double getHeadroom();

  void setHeadroom(double value);

  @Description("Keys the budget is split over (1: one worker makes all calls of the budget)")
  @Default.Integer(1)
  int getBudgetShards();

  void setBudgetShards(int value);

  @Description("A budget store shared by every job on the account: redis://host:port[/db] or"
      + " rediss://... (no password in it: --budgetStorePasswordEnv or --budgetStorePasswordFile);"
      + " jobs that name the same budget stay inside one limit together")
  String getBudgetStore();

  void setBudgetStore(String value);

  @Description("Environment variable (on the workers) holding the budget store's password")
  String getBudgetStorePasswordEnv();

  void setBudgetStorePasswordEnv(String value);

  @Description("File (on the workers) whose first line is the budget store's password")
  String getBudgetStorePasswordFile();

  void setBudgetStorePasswordFile(String value);

  @Description("This job's weight in the budget store when several jobs want more than the limit:"
      + " its share is weight / the weights of the jobs that want more")
  @Default.Double(1)
  double getBudgetWeight();

  void setBudgetWeight(double value);

  @Description("The budget's name in the store (hashed there), for jobs that read the same key from"
      + " different places; default: the service and key source")
  String getBudgetName();

  void setBudgetName(String value);

  @Description("Attempts per request, the first included")
  @Default.Integer(5)
  int getMaxAttempts();

  void setMaxAttempts(int value);

  @Description("Calls in flight per worker instance (0 = sized from the budget's rate and the"
      + " latency seen, at least 1024)")
  @Default.Integer(0)
  int getMaxInFlight();

  void setMaxInFlight(int value);

  @Description("Minutes a row may go on being retried after its first attempt; 429s use up no"
      + " attempt, so this bounds a row's wait behind them")
  @Default.Long(60)
  long getRowDeadlineMinutes();

  void setRowDeadlineMinutes(long value);

  @Description("Request timeout in seconds")
  @Default.Integer(600)
  int getRequestTimeoutSeconds();

  void setRequestTimeoutSeconds(int value);

  @Description("A key pool: a JSON file (any Beam filesystem) listing keys, accounts or"
      + " deployments, each with its key source, limits, models and budget group (see README);"
      + " calls go to the member with the most budget left")
  String getKeysFile();

  void setKeysFile(String value);

  @Description("Environment variable holding the API key")
  @Default.String("OPENAI_API_KEY")
  String getApiKeyEnv();

  void setApiKeyEnv(String value);

  @Description("File holding the API key (read on the workers; wins over --apiKeyEnv)")
  String getApiKeyFile();

  void setApiKeyFile(String value);

  @Description("Send no key at all (local servers)")
  @Default.Boolean(false)
  boolean getNoApiKey();

  void setNoApiKey(boolean value);

  @Description("Azure OpenAI api-version; setting it switches to Azure URLs and the api-key header")
  String getAzureApiVersion();

  void setAzureApiVersion(String value);

  @Description("Token encoding for every model (e.g. o200k_base) instead of the model family's")
  String getTokenEncoding();

  void setTokenEncoding(String value);

  @Description("Completion tokens reserved for a request that sets no maximum")
  @Default.Integer(1024)
  int getDefaultMaxTokens();

  void setDefaultMaxTokens(int value);

  @Description("Skip ids the result journal of an earlier run of this job already answered")
  @Default.Boolean(false)
  boolean getResume();

  void setResume(boolean value);

  @Description("Directory of the result journal (default: the --output prefix + '.journal')")
  String getJournal();

  void setJournal(String value);

  @Description("Seconds between progress lines on stderr during local runs (0 = none)")
  @Default.Integer(10)
  int getProgressSeconds();

  void setProgressSeconds(int value);

  @Description("Format of the result and failure lines: native (request, response, metadata,"
      + " attempts, latency) or batch (the Batch API's output and error file lines)")
  @Default.String("native")
  String getOutputFormat();

  void setOutputFormat(String value);

  @Description("Number of output files per sink (0 = the runner decides)")
  @Default.Integer(0)
  int getOutputShards();

  void setOutputShards(int value);

  @Description("online (calls within the rate limits), batch (the Batch API: half price, answers within "
      + "the completion window), or auto (batch when --maxLatencyHours >= 24 and the input has at "
      + "least --autoBatchMinRows rows, else online)")
  @Default.String("online")
  String getMode();

  void setMode(String value);

  @Description("Completion window of the batches (Batch API mode)")
  @Default.String("24h")
  String getBatchCompletionWindow();

  void setBatchCompletionWindow(String value);

  @Description("Longest wait between two polls of a batch, in seconds (polls start faster and back off)")
  @Default.Double(60)
  double getBatchPollSeconds();

  void setBatchPollSeconds(double value);

  @Description("Minutes to wait for a chunk's batches before the run stops (rerun to re-attach)")
  @Default.Long(26 * 60)
  long getBatchMaxWaitMinutes();

  void setBatchMaxWaitMinutes(long value);

  @Description("Directory of the batch state (default: the --output prefix + '.batches')")
  String getBatchStateDir();

  void setBatchStateDir(String value);

  @Description("Batches per chunk at most: the first plus resubmissions of what expired")
  @Default.Integer(3)
  int getBatchMaxRounds();

  void setBatchMaxRounds(int value);

  @Description("Requests per batch input file at most (the service's limit is 50,000)")
  @Default.Integer(50_000)
  int getBatchMaxRequestsPerFile();

  void setBatchMaxRequestsPerFile(int value);

  @Description("--mode=auto: rows from which the Batch API is used")
  @Default.Long(10_000)
  long getAutoBatchMinRows();

  void setAutoBatchMinRows(long value);

  @Description("--mode=auto: hours the caller accepts to wait for answers (batch needs >= 24)")
  @Default.Double(1)
  double getMaxLatencyHours();

  void setMaxLatencyHours(double value);

  @Description("Price file (JSON, any Beam filesystem) added over the bundled prices; see docs/cost.md")
  String getPriceFile();

  void setPriceFile(String value);

  @Description("Read the input, print the estimated tokens and dollars per model, and exit without calling")
  @Default.Boolean(false)
  boolean getEstimateOnly();

  void setEstimateOnly(boolean value);

  @Description("Stop sending before the spend of this run could exceed this many US dollars (0 = no cap);"
      + " unsent rows stay resumable; exit code 3")
  @Default.Double(0)
  double getMaxCostUsd();

  void setMaxCostUsd(double value);

  @Description("For --estimateOnly: completion tokens each answer choice is expected to use (capped by its"
      + " max); 0 = assume the full max (an upper bound)")
  @Default.Integer(0)
  int getExpectedOutputTokens();

  void setExpectedOutputTokens(int value);

  @Description("Secret Manager secret version holding the API key, projects/P/secrets/S/versions/V "
      + "(read on the workers with their Google credentials; wins over --apiKeyFile and --apiKeyEnv)")
  String getApiKeySecret();

  void setApiKeySecret(String value);

  @Description("Secret Manager URL for --apiKeySecret (default https://secretmanager.googleapis.com)")
  String getSecretManagerUrl();

  void setSecretManagerUrl(String value);
}

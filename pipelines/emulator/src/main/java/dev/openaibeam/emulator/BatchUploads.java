package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/files}: the multipart form, decoded by Netty's {@link HttpPostRequestDecoder},
 * and the service's checks of a batch input file, line by line, before it is stored.
 */
final class BatchUploads {
  static final long MAX_FILE_BYTES = 200L * 1024 * 1024;
  // An upload has two fields; Netty's default cap on their number stays. No cap on undecoded
  // bytes: the whole body is offered at once and the aggregator has already bounded it.
  private static final int MAX_FIELDS = 128;
  private static final int NO_LIMIT = -1;

  /** Why an upload was refused: a 400 about {@code param} (may be null). */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;
    final String param;

    Rejected(String message, String param) {
      super(message);
      this.param = param;
    }
  }

  /** The uploaded form: its {@code file} part (null when missing) and the other fields. */
  private record Form(String filename, String content, Map<String, String> fields) {}

  private BatchUploads() {}

  /** An accepted batch input file, not yet stored (only a stored file takes an id). */
  record Upload(String filename, String content, List<JsonNode> lines) {}

  /** Decodes and checks an upload. */
  static Upload read(Request req) throws Rejected {
    Form form = decode(req);
    String purpose = form.fields().get("purpose");
    if (!"batch".equals(purpose)) {
      throw new Rejected("'purpose' must be 'batch' (got " + purpose + ")", "purpose");
    }
    if (form.content() == null) {
      throw new Rejected("No file part in the upload", "file");
    }
    if (form.content().getBytes(StandardCharsets.UTF_8).length > MAX_FILE_BYTES) {
      throw new Rejected("File is larger than the 200 MB limit for batch input files", "file");
    }
    return new Upload(form.filename(), form.content(), lines(form.content()));
  }

  private static Form decode(Request req) throws Rejected {
    if (!isMultipartForm(req)) {
      throw new Rejected("Expected a multipart/form-data body", null);
    }
    // In memory: the aggregated request is in memory already, and the file is kept as text.
    HttpPostRequestDecoder decoder;
    try {
      decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), req.http,
          StandardCharsets.UTF_8, MAX_FIELDS, NO_LIMIT);
    } catch (RuntimeException e) { // the decoder's errors are runtime exceptions
      throw new Rejected("Invalid multipart/form-data body: " + e.getMessage(), null);
    }
    try {
      String filename = "upload.jsonl";
      String content = null;
      Map<String, String> fields = new HashMap<>();
      for (InterfaceHttpData part : decoder.getBodyHttpDatas()) {
        String value;
        if (part instanceof FileUpload) {
          value = ((FileUpload) part).getString(StandardCharsets.UTF_8);
        } else if (part instanceof Attribute) {
          value = ((Attribute) part).getValue();
        } else {
          continue;
        }
        if (!part.getName().equals("file")) {
          fields.put(part.getName(), value);
          continue;
        }
        content = value;
        if (part instanceof FileUpload) {
          filename = ((FileUpload) part).getFilename();
        }
      }
      return new Form(filename, content, fields);
    } catch (IOException | RuntimeException e) {
      throw new Rejected("Invalid multipart/form-data body: " + e.getMessage(), null);
    } finally {
      decoder.destroy();
    }
  }

  private static boolean isMultipartForm(Request req) {
    String type = req.header("content-type");
    try {
      return type != null && type.contains("boundary=") && HttpPostRequestDecoder.isMultipart(req.http);
    } catch (HttpPostRequestDecoder.ErrorDataDecoderException e) {
      return false;
    }
  }

  /** Each non-blank line must be a unique POST request to a supported endpoint. */
  private static List<JsonNode> lines(String content) throws Rejected {
    List<JsonNode> lines = new ArrayList<>();
    Set<String> customIds = new HashSet<>();
    int number = 0;
    for (String line : content.split("\n", -1)) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = parse(line);
      String problem = problem(n, customIds);
      if (problem != null) {
        throw new Rejected("Invalid batch input file: line " + number + " " + problem, "file");
      }
      lines.add(n);
    }
    if (lines.isEmpty()) {
      throw new Rejected("Invalid batch input file: it has no requests", "file");
    }
    return lines;
  }

  /** What is wrong with one parsed line, or null; records its custom_id. */
  private static String problem(JsonNode n, Set<String> customIds) {
    if (n == null || !n.isObject()) {
      return "is not a JSON object";
    }
    if (!n.path("custom_id").isTextual() || n.get("custom_id").asText().isEmpty()) {
      return "has no custom_id";
    }
    String customId = n.get("custom_id").asText();
    if (!customIds.add(customId)) {
      return "repeats custom_id '" + customId + "'; custom_ids must be unique";
    }
    if (!"POST".equals(n.path("method").asText())) {
      return "has method '" + n.path("method").asText() + "'; only POST is supported";
    }
    if (!BatchService.ENDPOINTS.contains(n.path("url").asText())) {
      return "has url '" + n.path("url").asText() + "', which the Batch API does not support";
    }
    if (!n.path("body").isObject()) {
      return "has no body object";
    }
    return null;
  }

  private static JsonNode parse(String line) {
    try {
      return Answers.JSON.readTree(line);
    } catch (IOException e) {
      return null;
    }
  }
}
